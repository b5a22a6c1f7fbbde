namespace Pipeline.Diagnostics;

/// <summary>One value of a CloudWatch metric.</summary>
/// <param name="Name">The metric's name, e.g. <c>ImagesConverted</c>.</param>
/// <param name="Value">Its value.</param>
/// <param name="Unit">A CloudWatch unit: <c>Count</c>, <c>Bytes</c>, <c>Milliseconds</c> or <c>None</c>.</param>
public readonly record struct Metric(string Name, double Value, string Unit = "Count");
