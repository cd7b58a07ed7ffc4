# Compiles through ccache whenever it is installed (docs/BUILDING.md, "ccache"). A launcher the
# caller sets (CMAKE_CXX_COMPILER_LAUNCHER) is kept.
option(MICON_CCACHE "Compile through ccache when it is installed" ON)
if(MICON_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(MICON_CCACHE_PROGRAM ccache)
  if(MICON_CCACHE_PROGRAM)
    set(MICON_CCACHE_BASEDIR "${CMAKE_SOURCE_DIR}")
    configure_file("${CMAKE_CURRENT_LIST_DIR}/ccache_launcher.sh.in"
                   "${CMAKE_BINARY_DIR}/ccache_launcher.sh" @ONLY)  # keeps the exec bit
    set(CMAKE_C_COMPILER_LAUNCHER "${CMAKE_BINARY_DIR}/ccache_launcher.sh")
    set(CMAKE_CXX_COMPILER_LAUNCHER "${CMAKE_BINARY_DIR}/ccache_launcher.sh")
    # Debug info names the checkout relatively, so an object from another clone's build is the
    # same object; gdb finds sources with `directory <checkout>`.
    add_compile_options("-fdebug-prefix-map=${CMAKE_SOURCE_DIR}=.")
    message(STATUS "ccache: ${MICON_CCACHE_PROGRAM} (base dir ${CMAKE_SOURCE_DIR})")
  endif()
endif()
