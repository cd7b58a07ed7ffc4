# Links with mold when it is installed: relinking micon's 33 executables (large static libraries
# with line tables) takes 3 s with mold against 16-19 s with GNU ld (docs/PERFORMANCE.md,
# "Building"). A linker the caller chose in CMAKE_EXE_LINKER_FLAGS is kept.
option(MICON_MOLD "Link with mold when it is installed" ON)
if(MICON_MOLD AND NOT CMAKE_EXE_LINKER_FLAGS MATCHES "-fuse-ld=")
  find_program(MICON_MOLD_PROGRAM mold)
  if(MICON_MOLD_PROGRAM)
    include(CheckLinkerFlag)
    check_linker_flag(CXX "-fuse-ld=mold" MICON_LINKER_MOLD_WORKS)
    if(MICON_LINKER_MOLD_WORKS)
      add_link_options(-fuse-ld=mold)
    endif()
  endif()
endif()
