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

# micon_use_torch(target): links LibTorch and precompiles its umbrella header for the target.
# LibTorch's own headers are included as system headers so our warnings stay ours.
function(micon_use_torch target)
  target_link_libraries(${target} PUBLIC ${TORCH_LIBRARIES})
  get_target_property(_torch_inc torch INTERFACE_INCLUDE_DIRECTORIES)
  if(_torch_inc)
    target_include_directories(${target} SYSTEM PUBLIC ${_torch_inc})
  endif()
  if(MICON_PCH)
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
  endif()
endfunction()
