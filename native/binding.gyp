{
  "targets": [
    {
      "target_name": "ntk_native",
      "sources": ["ntk_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "libraries": ["-llapacke"]
    }
  ]
}
