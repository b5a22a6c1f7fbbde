using System.Text;
using System.Text.Json;
using Xunit;

namespace Pipeline.Tests;

/// <summary>One Embedded Metric Format record read back from a log, checked against the format as CloudWatch reads it.</summary>
/// <param name="DimensionValues">Each declared dimension and its value.</param>
/// <param name="Values">Each declared metric and its value.</param>
/// <param name="Units">Each declared metric and its unit.</param>
public sealed record MetricRecords(IReadOnlyDictionary<string, string> DimensionValues, IReadOnlyDictionary<string, double> Values, IReadOnlyDictionary<string, string> Units)
{
    /// <summary>Every EMF record among the JSON lines of <paramref name="log"/>, each validated.</summary>
    public static List<MetricRecords> Parse(byte[] log)
    {
        var records = new List<MetricRecords>();
        foreach (var line in Encoding.UTF8.GetString(log).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (!root.TryGetProperty("_aws", out var aws))
                continue;
            Assert.True(aws.GetProperty("Timestamp").GetInt64() > 0);
            var directive = Assert.Single(aws.GetProperty("CloudWatchMetrics").EnumerateArray());
            Assert.Equal("Pipeline", directive.GetProperty("Namespace").GetString());
            var dimensionSet = Assert.Single(directive.GetProperty("Dimensions").EnumerateArray());
            // Every named dimension has a string value, every metric a number, at the top level.
            var dimensions = dimensionSet.EnumerateArray().Select(d => d.GetString()!).ToDictionary(d => d, d => root.GetProperty(d).GetString()!);
            var metrics = directive.GetProperty("Metrics").EnumerateArray().ToList();
            var values = metrics.ToDictionary(m => m.GetProperty("Name").GetString()!, m => root.GetProperty(m.GetProperty("Name").GetString()!).GetDouble());
            var units = metrics.ToDictionary(m => m.GetProperty("Name").GetString()!, m => m.GetProperty("Unit").GetString()!);
            records.Add(new MetricRecords(dimensions, values, units));
        }
        return records;
    }
}
