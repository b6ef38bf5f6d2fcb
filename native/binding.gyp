{
  "targets": [
    {
      "target_name": "ntk_native",
      "sources": ["ntk_native.c"],
      "cflags": ["-O3", "-Wall", "-Wextra", "-ffp-contract=off", "-pthread"],
      "ldflags": ["-pthread"],
      "libraries": ["-lz", "-lm", "-ldl"]
    }
  ]
}
