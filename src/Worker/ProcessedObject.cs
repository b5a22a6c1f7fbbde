using Pipeline.Jobs;

namespace Pipeline.Worker;

/// <summary>One object's delivery and what converting it took, for the log and the metrics.</summary>
/// <param name="Delivery">What became of it.</param>
/// <param name="BytesIn">The input's size, when it was read.</param>
/// <param name="BytesOut">The result's size, when one was made.</param>
/// <param name="Pixels">The image's pixels, when it was converted.</param>
/// <param name="ConversionMs">Time spent converting (not waiting for memory or storage).</param>
public sealed record ProcessedObject(JobDelivery Delivery, long BytesIn = 0, long BytesOut = 0, long Pixels = 0, double ConversionMs = 0);
