/* librats_tls.so is the ratstls_core archive, whole (see CMakeLists.txt);
 * its exported symbols are listed in librats_tls.lds. */
