using Pipeline.Imaging.Isolation;

// Converts images from stdin to stdout for the process that started it (see ConverterHost).
return ConverterHost.Run();
