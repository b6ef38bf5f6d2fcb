{
  "targets": [
    {
      "target_name": "ntk_native",
      "sources": ["ntk_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-ffp-contract=off"],
      "libraries": ["-llapacke", "-lm"]
    }
  ]
}
