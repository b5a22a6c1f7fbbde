using System.Text.Json;

namespace Pipeline.Worker.Events;

/// <summary>Reads which kind of event a payload is, without deserialising it.</summary>
public static class WorkerEvents
{
    /// <summary>The kind of <paramref name="payload"/>: only its top-level property names are read.</summary>
    public static WorkerEventKind KindOf(ReadOnlySpan<byte> payload)
    {
        if (PropertyNames(payload) is not { } names)
            return WorkerEventKind.Unknown;
        bool records = names.Contains("Records"), batch = names.Contains("invocationSchemaVersion") && names.Contains("tasks");
        return (records, batch) switch
        {
            (true, false) => WorkerEventKind.Sqs,
            (false, true) => WorkerEventKind.BatchJob,
            _ => WorkerEventKind.Unknown,
        };
    }

    /// <summary>The top-level property names of <paramref name="json"/>, or null when it is not a JSON object.</summary>
    public static HashSet<string>? PropertyNames(ReadOnlySpan<byte> json)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                names.Add(reader.GetString()!);
                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return names;
    }
}
