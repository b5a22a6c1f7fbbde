namespace Pipeline.Imaging.Isolation;

/// <summary>What one conversion may spend before it is stopped.</summary>
/// <param name="MemoryBytes">Memory beyond what the converter process holds between images (see <see cref="DecodeCost"/>).</param>
/// <param name="CpuSeconds">CPU time, in whole seconds (the kernel counts the limit in seconds).</param>
public sealed record ConversionBudget(long MemoryBytes, int CpuSeconds);
