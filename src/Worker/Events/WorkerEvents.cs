using System.Text.Json;

namespace Pipeline.Worker.Events;

/// <summary>Reads which kind of event a payload is, without deserialising it.</summary>
public static class WorkerEvents
{
    /// <summary>The kind of <paramref name="payload"/>: only its top-level property names are read.</summary>
    public static WorkerEventKind KindOf(ReadOnlySpan<byte> payload)
    {
        bool records = false, schema = false, tasks = false;
        var reader = new Utf8JsonReader(payload);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return WorkerEventKind.Unknown;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                records |= reader.ValueTextEquals("Records"u8);
                schema |= reader.ValueTextEquals("invocationSchemaVersion"u8);
                tasks |= reader.ValueTextEquals("tasks"u8);
                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return WorkerEventKind.Unknown;
        }
        return (records, schema && tasks) switch
        {
            (true, false) => WorkerEventKind.Sqs,
            (false, true) => WorkerEventKind.BatchJob,
            _ => WorkerEventKind.Unknown,
        };
    }
}
