using System.Text.Json;
using System.Text.Json.Nodes;
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

    [Fact]
    public void A_batch_operations_invocation_is_told_from_an_sqs_event_and_names_its_bucket_and_encoded_key()
    {
        var payload = File.ReadAllBytes(Path.Combine("Events", "s3-batch-v2.json"));

        Assert.Equal(WorkerEventKind.BatchJob, WorkerEvents.KindOf(payload));
        Assert.Equal(WorkerEventKind.Sqs, WorkerEvents.KindOf(File.ReadAllBytes(Path.Combine("Events", "sqs-s3-put.json"))));
        Assert.Equal(WorkerEventKind.Unknown, WorkerEvents.KindOf("""{"hello":"world"}"""u8));
        Assert.Equal(WorkerEventKind.Unknown, WorkerEvents.KindOf("not json"u8));
        var batch = JsonSerializer.Deserialize(payload, WorkerJsonContext.Default.S3BatchJobEvent)!;
        Assert.Equal("2.0", batch.InvocationSchemaVersion);
        Assert.Equal("backfill", batch.Job!.UserArguments!["purpose"]);
        var task = Assert.Single(batch.Tasks!);
        Assert.Equal(("dGFza2lkZ29lc2hlcmUK", "pipeline-input", null), (task.TaskId, task.S3Bucket, task.S3VersionId));
        Assert.Equal("holiday 2024/my cat+1 café.JPG", System.Net.WebUtility.UrlDecode(task.S3Key));
    }

    [Fact]
    public void The_batch_operations_answer_has_the_official_shape()
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine("Events", "s3-batch-v2-response.json")));
        var answer = new S3BatchJobResponse
        {
            InvocationSchemaVersion = "2.0",
            TreatMissingKeysAs = BatchResultCode.PermanentFailure,
            InvocationId = "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo",
            Results = [new S3BatchJobResponse.TaskResult { TaskId = "dGFza2lkZ29lc2hlcmUK", ResultCode = BatchResultCode.Succeeded, ResultString = "Converted." }],
        };

        var written = JsonNode.Parse(JsonSerializer.Serialize(answer, WorkerJsonContext.Default.S3BatchJobResponse));

        Assert.True(JsonNode.DeepEquals(expected, written), written!.ToJsonString());
    }
}
