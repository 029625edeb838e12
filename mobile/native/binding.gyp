{
  "targets": [
    {
      "target_name": "gaen_match",
      "sources": ["gaen_match.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions"],
      "cflags_cc!": ["-fno-rtti"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] },
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
