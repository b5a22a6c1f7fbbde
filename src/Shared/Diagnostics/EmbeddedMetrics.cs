using System.Text.Json;

namespace Pipeline.Diagnostics;

/// <summary>
/// Metrics as CloudWatch Embedded Metric Format records: one JSON log line per record, whose
/// <c>_aws</c> object names the namespace, the dimensions and the metrics, with the values as
/// top-level fields. CloudWatch Logs turns them into metrics with no API call and no extra
/// latency; locally they are plain log lines. Every record carries the <c>Function</c>
/// dimension (<c>api</c> or <c>worker</c>).
/// </summary>
public sealed class EmbeddedMetrics
{
    /// <summary>The CloudWatch namespace of every metric.</summary>
    public const string Namespace = "Pipeline";

    private readonly JsonLog _log;
    private readonly string _function;
    private readonly TimeProvider _clock;

    /// <summary>Creates a writer of <paramref name="function"/>'s metrics onto <paramref name="log"/>.</summary>
    public EmbeddedMetrics(JsonLog log, string function, TimeProvider? clock = null)
    {
        _log = log;
        _function = function;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>A writer that writes nothing.</summary>
    public static EmbeddedMetrics Null { get; } = new(JsonLog.Null, "none");

    /// <summary>Writes <paramref name="metrics"/> under the Function dimension alone.</summary>
    public void Emit(params ReadOnlySpan<Metric> metrics) => Emit([], metrics);

    /// <summary>Writes <paramref name="metrics"/> under the Function dimension and <paramref name="dimensions"/>.</summary>
    public void Emit(ReadOnlySpan<(string Name, string Value)> dimensions, params ReadOnlySpan<Metric> metrics)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", _clock.GetUtcNow().ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", Namespace);
            json.WriteStartArray("Dimensions");
            json.WriteStartArray();
            json.WriteStringValue("Function");
            foreach (var (name, _) in dimensions)
                json.WriteStringValue(name);
            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            foreach (var metric in metrics)
            {
                json.WriteStartObject();
                json.WriteString("Name", metric.Name);
                json.WriteString("Unit", metric.Unit);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString("Function", _function);
            foreach (var (name, value) in dimensions)
                json.WriteString(name, value);
            foreach (var metric in metrics)
                json.WriteNumber(metric.Name, Math.Round(metric.Value, 3));
            json.WriteEndObject();
        }
        _log.WriteLine(buffer);
    }
}
