# Included by llama.cpp's own project() (CMAKE_PROJECT_llama.cpp_INCLUDE, set by the Makefile).
# llama-cpp-python forces LLAMA_BUILD_COMMON=ON, but its Python package loads only libllama and
# libggml*: llama.cpp's common library (chat parsers, jinja, cpp-httplib) is compiled and never
# shipped. A plain variable shadows the cached one (policy CMP0077), so common and cpp-httplib
# are skipped: about half of the compile (ninja log, 2026-12-05). The CPU kernels are untouched.
set(LLAMA_BUILD_COMMON OFF)
