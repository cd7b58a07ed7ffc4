# Shared build settings: warnings, the generated config header, LibTorch with a precompiled header.

add_library(micon_warnings INTERFACE)
target_compile_options(micon_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wundef -Wnon-virtual-dtor -Wno-unused-parameter
                                   -Wno-missing-field-initializers>)

# micon/config.h: the build's feature switches as 0/1, so a typo is caught by -Wundef.
configure_file("${CMAKE_CURRENT_SOURCE_DIR}/core/config.h.in"
               "${CMAKE_CURRENT_BINARY_DIR}/generated/micon/config.h")
add_library(micon_config INTERFACE)
target_include_directories(micon_config INTERFACE
  "${CMAKE_CURRENT_BINARY_DIR}/generated" "${CMAKE_CURRENT_SOURCE_DIR}")

# micon_link_torch(target): links LibTorch; its headers are system headers so our warnings stay
# ours.
function(micon_link_torch target)
  target_link_libraries(${target} PUBLIC ${TORCH_LIBRARIES})
  get_target_property(_torch_inc torch INTERFACE_INCLUDE_DIRECTORIES)
  if(_torch_inc)
    target_include_directories(${target} SYSTEM PUBLIC ${_torch_inc})
  endif()
endfunction()

# One precompiled LibTorch header for the whole build. A LibTorch PCH is ~650 MB with debug info;
# one per target filled a CI machine's disk, so every target reuses this one. GCC accepts a PCH
# whose -D macros differ from the user's as long as the header does not use them (micon's and
# GoogleTest's do not), and -Winvalid-pch would report a rejected one.
if(MICON_PCH)
  add_library(micon_torch_pch OBJECT "${CMAKE_CURRENT_SOURCE_DIR}/cmake/torch_pch.cc")
  micon_link_torch(micon_torch_pch)
  target_precompile_headers(micon_torch_pch PRIVATE <torch/torch.h>)
endif()

# micon_use_torch(target): links LibTorch and uses the shared precompiled header.
function(micon_use_torch target)
  micon_link_torch(${target})
  if(MICON_PCH)
    target_precompile_headers(${target} REUSE_FROM micon_torch_pch)
  endif()
endfunction()
