# Links with mold when it is installed and at least 2.4.0: relinking micon's 33 executables (large
# static libraries with line tables) takes 3 s with mold against 16-19 s with GNU ld
# (docs/PERFORMANCE.md, "Building"). Older mold (Debian 12 ships 1.10.1) can start PT_GNU_RELRO
# at a .tbss that lies on an unmapped page, so the loader's mprotect fails and a binary does not
# start ("cannot apply additional memory protection after relocation"; rui314/mold#1151, fixed in
# 2.4.0). Which binary it hits depends on section sizes, so it came and went with the checkout's
# path; GNU ld is used instead. A linker the caller chose in CMAKE_EXE_LINKER_FLAGS is kept.
option(MICON_MOLD "Link with mold when it is installed (2.4.0 or later)" ON)
set(MICON_MOLD_MINIMUM 2.4.0)
if(MICON_MOLD AND NOT CMAKE_EXE_LINKER_FLAGS MATCHES "-fuse-ld=")
  find_program(MICON_MOLD_PROGRAM mold)
  if(MICON_MOLD_PROGRAM)
    execute_process(COMMAND "${MICON_MOLD_PROGRAM}" --version
                    OUTPUT_VARIABLE micon_mold_banner ERROR_QUIET)
    string(REGEX MATCH "mold ([0-9]+\\.[0-9]+(\\.[0-9]+)?)" micon_mold_match
                 "${micon_mold_banner}")
    set(micon_mold_version "${CMAKE_MATCH_1}")
    if(NOT micon_mold_version OR micon_mold_version VERSION_LESS MICON_MOLD_MINIMUM)
      message(STATUS "mold ${micon_mold_version} is older than ${MICON_MOLD_MINIMUM} "
                     "(rui314/mold#1151: some binaries would not load): linking with the "
                     "default linker")
    else()
      include(CheckLinkerFlag)
      check_linker_flag(CXX "-fuse-ld=mold" MICON_LINKER_MOLD_WORKS)
      if(MICON_LINKER_MOLD_WORKS)
        add_link_options(-fuse-ld=mold)
      endif()
    endif()
  endif()
endif()
