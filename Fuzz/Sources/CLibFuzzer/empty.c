// Header-only module; SwiftPM needs one source file.
