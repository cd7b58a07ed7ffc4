// Compiled only to build the shared LibTorch precompiled header (cmake/MiconTargets.cmake).
