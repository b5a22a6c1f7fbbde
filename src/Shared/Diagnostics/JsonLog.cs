using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipeline.Diagnostics;

/// <summary>
/// Writes one JSON object per line (what CloudWatch Logs and jq read best). Callers pass
/// only metadata: ids, routes, statuses, sizes, durations. Never image bytes or a presigned
/// URL (its query string is the signature).
/// </summary>
public sealed class JsonLog
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Stream _output;
    private readonly Lock _gate = new();
    private readonly TimeProvider _clock;

    /// <summary>Creates a log writing to <paramref name="output"/>.</summary>
    public JsonLog(Stream output, TimeProvider? clock = null)
    {
        _output = output;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>A log that writes nothing.</summary>
    public static JsonLog Null { get; } = new(Stream.Null);

    /// <summary>Writes a record: time, level, msg, then the fields in order.</summary>
    public void Write(string level, string message, params ReadOnlySpan<(string Key, object? Value)> fields)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("time", _clock.GetUtcNow());
            json.WriteString("level", level);
            json.WriteString("msg", message);
            foreach (var (key, value) in fields)
            {
                switch (value)
                {
                    case null: json.WriteNull(key); break;
                    case string s: json.WriteString(key, s); break;
                    case int i: json.WriteNumber(key, i); break;
                    case long l: json.WriteNumber(key, l); break;
                    case double d: json.WriteNumber(key, Math.Round(d, 3)); break;
                    case bool b: json.WriteBoolean(key, b); break;
                    default: json.WriteString(key, value.ToString()); break;
                }
            }
            json.WriteEndObject();
        }
        WriteLine(buffer);
    }

    /// <summary>Writes a JSON document already serialised into <paramref name="buffer"/> as one line (e.g. a metrics record).</summary>
    public void WriteLine(System.Buffers.ArrayBufferWriter<byte> buffer)
    {
        System.Buffers.BuffersExtensions.Write(buffer, "\n"u8);
        // One write per record: other writers on the same log cannot split a line.
        lock (_gate)
        {
            _output.Write(buffer.WrittenSpan);
            _output.Flush();
        }
    }
}
