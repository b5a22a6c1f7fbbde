using System.Text.Json;
using Pipeline.Worker.Events;
using Pipeline.Lambda;
using Pipeline.Worker;

namespace Pipeline.Tests.Worker;

/// <summary>S3 notifications as they arrive: keys URL-encoded, test events, multipart uploads.</summary>
public class EventParsingTests
{
    private static SQSEvent Sqs(string fixture) =>
        JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine("Events", fixture)), WorkerJsonContext.Default.SQSEvent)!;

    [Fact]
    public void An_sqs_message_carries_the_s3_notification_with_its_key_url_decoded()
    {
        var message = Assert.Single(Sqs("sqs-s3-put.json").Records!);
        Assert.Equal("aws:sqs", message.EventSource);

        var created = Assert.Single(S3EventRecords.CreatedObjects(message.Body!));

        Assert.Equal("pipeline-input", created.Bucket);
        Assert.Equal("holiday 2024/my cat+1 café.JPG", created.Key); // '+' is a space, %2B a plus, %2F a slash
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", created.ETag);
        Assert.Equal(1024, created.Size);
    }

    [Fact]
    public void S3s_test_event_names_no_objects()
    {
        var message = Assert.Single(Sqs("sqs-s3-test-event.json").Records!);

        Assert.Empty(S3EventRecords.CreatedObjects(message.Body!));
    }

    [Fact]
    public void Only_object_created_records_count_and_a_multipart_upload_names_one_version_twice()
    {
        var created = S3EventRecords.CreatedObjects(File.ReadAllText(Path.Combine("Events", "s3-multipart.json")));

        Assert.Equal(2, created.Count);
        Assert.All(created, o => Assert.Equal("big/scan.tiff", o.Key));
        Assert.Single(created.DistinctBy(o => (o.Key, o.ETag)));
    }
}
