// WaystoneRuntime
