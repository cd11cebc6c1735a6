# Turn a text file into a C source defining lx_prelude_source/_len.
# Usage: cmake -DIN=file -DOUT=file.c -P embed.cmake
file(READ ${IN} HEX HEX)
string(LENGTH "${HEX}" HEXLEN)
math(EXPR LEN "${HEXLEN} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BYTES "${HEX}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" BYTES "${BYTES}")
file(WRITE ${OUT} "/* Generated from stdlib/prelude.lispy by stdlib/embed.cmake. */\n"
  "#include <stddef.h>\n"
  "const char lx_prelude_source[] = {\n${BYTES}0x00};\n"
  "const size_t lx_prelude_len = ${LEN};\n")
