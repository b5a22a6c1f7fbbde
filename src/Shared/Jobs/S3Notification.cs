using System.Globalization;
using System.Net;
using System.Text.Json;
namespace Pipeline.Jobs;

/// <summary>
/// An S3 ObjectCreated notification, shaped as S3 writes them to the worker's queue (key
/// URL-encoded, '+' for a space), so the worker treats it like any upload's event; the CLI's
/// backfill sends these for objects already stored, and tests deliver them. It names one
/// version (ETag): a later overwrite makes the worker skip it, as the new version has its own event.
/// </summary>
public static class S3Notification
{
    /// <summary>The notification document for <paramref name="input"/>.</summary>
    public static string ObjectCreated(SourceObject input, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("Records");
            json.WriteStartObject();
            json.WriteString("eventVersion", "2.1");
            json.WriteString("eventSource", "aws:s3");
            json.WriteString("eventTime", now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WriteString("eventName", "ObjectCreated:Put");
            json.WriteStartObject("userIdentity");
            json.WriteString("principalId", "pipeline-backfill");
            json.WriteEndObject();
            json.WriteStartObject("s3");
            json.WriteString("s3SchemaVersion", "1.0");
            json.WriteString("configurationId", "pipeline-backfill");
            json.WriteStartObject("bucket");
            json.WriteString("name", input.Bucket);
            json.WriteString("arn", "arn:aws:s3:::" + input.Bucket);
            json.WriteEndObject();
            json.WriteStartObject("object");
            json.WriteString("key", WebUtility.UrlEncode(input.Key));
            json.WriteNumber("size", input.Size);
            json.WriteString("eTag", input.ETag);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
