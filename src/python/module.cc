// The `runnel._runnel` extension module: runnel's engine for Python.
#include <pybind11/pybind11.h>

#include "python/bindings.h"
#include "runnel/error.h"

namespace py = pybind11;

namespace runnel::python {

namespace {

PyObject* g_error = nullptr;
PyObject* g_by_code[8] = {};

PyObject* new_error(py::module_& m, const char* name, PyObject* extra_base) {
  std::string full = std::string("runnel._runnel.") + name;
  PyObject* bases = extra_base ? PyTuple_Pack(2, g_error, extra_base) : PyTuple_Pack(1, g_error);
  PyObject* t = PyErr_NewException(full.c_str(), bases, nullptr);
  Py_DECREF(bases);
  if (!t) throw py::error_already_set();
  m.add_object(name, py::handle(t));
  return t;
}

}  // namespace

void bind_errors(py::module_& m) {
  g_error = PyErr_NewException("runnel._runnel.RunnelError", PyExc_RuntimeError, nullptr);
  if (!g_error) throw py::error_already_set();
  m.add_object("RunnelError", py::handle(g_error));
  for (auto& t : g_by_code) t = g_error;
  g_by_code[static_cast<int>(ErrorCode::kInvalidArgument)] =
      new_error(m, "InvalidArgumentError", PyExc_ValueError);
  g_by_code[static_cast<int>(ErrorCode::kNotFound)] =
      new_error(m, "NotFoundError", PyExc_LookupError);
  g_by_code[static_cast<int>(ErrorCode::kAlreadyExists)] =
      new_error(m, "AlreadyExistsError", nullptr);
  g_by_code[static_cast<int>(ErrorCode::kCancelled)] = new_error(m, "CancelledError", nullptr);
  g_by_code[static_cast<int>(ErrorCode::kUnavailable)] = new_error(m, "UnavailableError", nullptr);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      int code = static_cast<int>(e.code());
      PyObject* t = code >= 0 && code < 8 ? g_by_code[code] : g_error;
      PyErr_SetString(t, e.what());
    }
  });
}

}  // namespace runnel::python

PYBIND11_MODULE(_runnel, m) {
  m.doc() = "runnel's engine (C++), bound for the Python SDK; see python/README.md";
  runnel::python::bind_errors(m);
  runnel::python::bind_workspace(m);
  runnel::python::bind_data(m);
  runnel::python::bind_pipeline(m);
  runnel::python::bind_publish(m);
  runnel::python::bind_module(m);
}
