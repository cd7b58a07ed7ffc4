# FindRDKit: Debian's librdkit-dev ships headers and libRDKit*.so but no CMake config.
# Defines RDKit::<Component> imported targets for the components micon uses, and RDKit_VERSION.
find_path(RDKit_INCLUDE_DIR GraphMol/GraphMol.h PATH_SUFFIXES rdkit)
set(_rdkit_components GraphMol SmilesParse Fingerprints Descriptors DataStructs RDGeneral
                      PartialCharges SubstructMatch RDGeometryLib)
set(_rdkit_missing "")
foreach(_c IN LISTS _rdkit_components)
  find_library(RDKit_${_c}_LIBRARY NAMES RDKit${_c})
  if(NOT RDKit_${_c}_LIBRARY)
    list(APPEND _rdkit_missing RDKit${_c})
  endif()
endforeach()
# RDKit's headers include Boost; Debian's librdkit-dev does not depend on libboost-dev.
find_path(RDKit_BOOST_INCLUDE_DIR boost/shared_ptr.hpp)
# Debian's versions.h carries unexpanded @RDKit_Year@ templates; the versioned soname does not.
if(RDKit_GraphMol_LIBRARY)
  get_filename_component(_rdkit_real "${RDKit_GraphMol_LIBRARY}" REALPATH)
  string(REGEX MATCH "[0-9][0-9][0-9][0-9]\\.[0-9]+\\.[0-9]+$" RDKit_VERSION "${_rdkit_real}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(RDKit
  REQUIRED_VARS RDKit_INCLUDE_DIR RDKit_BOOST_INCLUDE_DIR RDKit_GraphMol_LIBRARY
  VERSION_VAR RDKit_VERSION
  REASON_FAILURE_MESSAGE "missing: ${_rdkit_missing} (install librdkit-dev and libboost-dev)")
if(RDKit_FOUND)
  foreach(_c IN LISTS _rdkit_components)
    if(RDKit_${_c}_LIBRARY AND NOT TARGET RDKit::${_c})
      add_library(RDKit::${_c} UNKNOWN IMPORTED)
      set_target_properties(RDKit::${_c} PROPERTIES
        IMPORTED_LOCATION "${RDKit_${_c}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${RDKit_INCLUDE_DIR};${RDKit_BOOST_INCLUDE_DIR}")
    endif()
  endforeach()
endif()
