# What `cmake --install` puts in place, under GNUInstallDirs' directories:
#   bin/mscmeta                          the command line
#   lib/libmscmeta.so*, lib/libmscmeta.a the library, shared and static
#   include/mscmeta/*.h                  the public API, version.h included
#   lib/pkgconfig/mscmeta.pc             for pkg-config
#   lib/cmake/mscmeta/                   for find_package(mscmeta)
#   share/man/man1/mscmeta.1             the manual
# (lib is GNUInstallDirs' libdir: lib for any prefix on Debian but /usr,
# where it is lib/<multiarch>.) Every path below is relative to the prefix,
# so `cmake --install build --prefix P` moves the whole tree to P.
include(CMakePackageConfigHelpers)

set(MSC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mscmeta)

install(TARGETS mscmeta RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS mscmeta_shared mscmeta_static EXPORT mscmetaTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mscmeta
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/mscmeta/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mscmeta)
install(FILES ${PROJECT_SOURCE_DIR}/man/mscmeta.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# pkg-config. The prefix is found from the .pc file's own place
# (${pcfiledir}), so that it stays right when the tree is installed with
# --prefix or moved; an absolute libdir or includedir is used as it is.
file(RELATIVE_PATH MSC_PC_UP
  /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)   # e.g. "../.." for lib/pkgconfig
string(REGEX REPLACE "/$" "" MSC_PC_UP "${MSC_PC_UP}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(MSC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  set(MSC_PC_PREFIX "\${pcfiledir}/${MSC_PC_UP}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(MSC_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(MSC_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/mscmeta.pc.in ${PROJECT_BINARY_DIR}/mscmeta.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/mscmeta.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# CMake: find_package(mscmeta) gives mscmeta::mscmeta (shared) and
# mscmeta::mscmeta_static. The static library's dependencies are found by
# mscmetaConfig.cmake, libcsv with the FindLibCSV.cmake installed beside it.
install(EXPORT mscmetaTargets NAMESPACE mscmeta:: DESTINATION ${MSC_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mscmetaConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mscmetaConfig.cmake INSTALL_DESTINATION ${MSC_CMAKE_DIR})
# 0.x: a minor release may break the API, as it may the ABI (SOVERSION).
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(MSC_COMPAT SameMinorVersion)
else()
  set(MSC_COMPAT SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mscmetaConfigVersion.cmake
  COMPATIBILITY ${MSC_COMPAT})
install(FILES ${PROJECT_BINARY_DIR}/mscmetaConfig.cmake
  ${PROJECT_BINARY_DIR}/mscmetaConfigVersion.cmake ${PROJECT_SOURCE_DIR}/cmake/FindLibCSV.cmake
  DESTINATION ${MSC_CMAKE_DIR})
