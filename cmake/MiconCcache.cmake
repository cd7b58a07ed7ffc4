# Compiles through ccache whenever it is installed (docs/PERFORMANCE.md, "Building: ccache, unity batches, mold"). A launcher the
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
    # Debug info and __FILE__ (TORCH_CHECK's and GoogleTest's messages) name the checkout
    # relatively, so an object from another clone's build is the same object. Unity sources
    # include their files by absolute path: without the macro half of this map, every one that
    # expands __FILE__ missed the cache in a fresh clone (35 of 61). gdb finds sources with
    # `directory <checkout>`.
    add_compile_options("-ffile-prefix-map=${CMAKE_SOURCE_DIR}=.")
    message(STATUS "ccache: ${MICON_CCACHE_PROGRAM} (base dir ${CMAKE_SOURCE_DIR})")
  endif()
endif()
