// HDF5's C API, plus functions for the macro constants Swift cannot import:
// H5T_NATIVE_* and friends expand to `(H5open(), H5T_NATIVE_FLOAT_g)` and the
// H5F_ACC_* flags to expressions that call H5check_version.
#ifndef GPOOL_CHDF5_SHIM_H
#define GPOOL_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t gpool_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t gpool_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t gpool_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t gpool_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t gpool_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t gpool_h5t_c_s1(void) { return H5T_C_S1; }
static inline unsigned gpool_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned gpool_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned gpool_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline hid_t gpool_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t gpool_h5s_all(void) { return H5S_ALL; }
static inline hid_t gpool_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t gpool_h5e_default(void) { return H5E_DEFAULT; }
static inline size_t gpool_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t gpool_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t gpool_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t gpool_h5p_group_create(void) { return H5P_GROUP_CREATE; }

#endif
