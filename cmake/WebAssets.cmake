# The static web files (web/phone, web/dashboard, web/assets, plus JsSIP bundled from
# web/node_modules when installed) compiled into rtcgate_web as one generated source, regenerated
# whenever a file under those folders, the generator or the installed JsSIP changes.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(web_dirs phone dashboard assets)
set(web_inputs ${CMAKE_SOURCE_DIR}/cmake/embed_web.py ${CMAKE_SOURCE_DIR}/web/tools/bundle_commonjs.py)
foreach(dir ${web_dirs})
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/web/${dir}/*)
  list(APPEND web_inputs ${files})
endforeach()
# Globbed so that `npm ci --prefix web` after configuring is noticed by the next build.
file(GLOB jssip_installed CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/web/node_modules/jssip/package.json)
list(APPEND web_inputs ${jssip_installed})

# The list itself is an input: a deleted file changes no remaining file, but it changes this list
# (file(CONFIGURE) rewrites it only when its content differs).
set(web_manifest ${CMAKE_BINARY_DIR}/generated/web/inputs.txt)
string(REPLACE ";" "\n" web_list "${web_inputs}")
file(CONFIGURE OUTPUT ${web_manifest} CONTENT "${web_list}\n" @ONLY)

set(web_generated ${CMAKE_BINARY_DIR}/generated/web/StaticFilesData.cpp)
add_custom_command(
  OUTPUT ${web_generated}
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/cmake/embed_web.py
          --web ${CMAKE_SOURCE_DIR}/web --output ${web_generated} ${web_dirs}
  DEPENDS ${web_inputs} ${web_manifest}
  COMMENT "Embedding web/ into the binary"
  VERBATIM)
target_sources(rtcgate_web PRIVATE ${web_generated})
# JsSIP alone is a string of about 1 MB, beyond the 64 KiB ISO C++ asks compilers to support.
set_source_files_properties(${web_generated} PROPERTIES COMPILE_OPTIONS -Wno-overlength-strings)
