namespace Pipeline.Imaging.Isolation;

/// <summary>
/// What a converter process reports of itself with each answer, as it goes back to waiting for
/// the next request: its parent sets the next image's limits from it without reading /proc.
/// </summary>
/// <param name="DataBytes">Its data size (VmData: what RLIMIT_DATA counts), in bytes.</param>
/// <param name="CpuSeconds">The CPU time it has used, user and system, in seconds (what RLIMIT_CPU counts).</param>
internal sealed record ConverterState(long DataBytes, double CpuSeconds);
