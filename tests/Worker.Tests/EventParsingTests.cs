using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Worker.Events;
using Pipeline.Lambda;
using Pipeline.Jobs;
using Pipeline.Worker;

namespace Pipeline.Tests.Worker;

/// <summary>
/// Queue messages as they arrive, from fixtures in AWS's documented shapes read by the
/// worker's own JSON context: S3 notifications (keys URL-encoded), S3's test event, a
/// multipart upload, the same notification in an SNS envelope (S3 → SNS → SQS), EventBridge's
/// Object Created event (keys not encoded), and messages the worker must refuse.
/// </summary>
public class EventParsingTests
{
    private const string InputBucket = "pipeline-input";

    private static SQSEvent Sqs(string fixture) =>
        JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine("Events", fixture)), WorkerJsonContext.Default.SQSEvent)!;

    private static QueueMessage Message(string sqsFixture) => QueueMessage.Read(Assert.Single(Sqs(sqsFixture).Records!).Body!, InputBucket);

    private static QueueMessage Body(string fixture) => QueueMessage.Read(File.ReadAllText(Path.Combine("Events", fixture)), InputBucket);

    [Fact]
    public void An_sqs_message_carries_the_s3_notification_with_its_key_url_decoded()
    {
        var message = Assert.Single(Sqs("sqs-s3-put.json").Records!);
        Assert.Equal("aws:sqs", message.EventSource);

        var created = Assert.Single(QueueMessage.Read(message.Body!, InputBucket).Objects);

        Assert.Equal("pipeline-input", created.Bucket);
        Assert.Equal("holiday 2024/my cat+1 café.JPG", created.Key); // '+' is a space, %2B a plus, %2F a slash
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", created.ETag);
        Assert.Equal(1024, created.Size);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero), created.EventTime);
    }

    [Fact]
    public void S3s_test_event_names_no_objects_plain_or_through_sns()
    {
        foreach (var fixture in new[] { "sqs-s3-test-event.json", "sqs-sns-s3-test-event.json" })
        {
            var read = Message(fixture);
            Assert.Null(read.Refusal);
            Assert.Empty(read.Objects);
        }
    }

    [Fact]
    public void An_s3_notification_in_an_sns_envelope_names_the_object_it_carries()
    {
        var envelope = JsonSerializer.Deserialize(Assert.Single(Sqs("sqs-sns-s3-put.json").Records!).Body!, WorkerJsonContext.Default.SnsNotification)!;
        Assert.Equal(("Notification", "Amazon S3 Notification"), (envelope.Type, envelope.Subject));

        var read = Message("sqs-sns-s3-put.json");

        Assert.Null(read.Refusal);
        Assert.Equal(Assert.Single(Message("sqs-s3-put.json").Objects), Assert.Single(read.Objects));
    }

    [Fact]
    public void An_eventbridge_object_created_event_names_its_object_with_the_key_as_it_is()
    {
        var e = JsonSerializer.Deserialize(Assert.Single(Sqs("sqs-eventbridge-object-created.json").Records!).Body!, WorkerJsonContext.Default.EventBridgeS3Event)!;
        Assert.Equal(("aws.s3", "Object Created", "PutObject"), (e.Source, e.DetailType, e.Detail!.Reason));

        var created = Assert.Single(Message("sqs-eventbridge-object-created.json").Objects);

        Assert.Equal(new SourceObject("pipeline-input", "holiday 2024/my cat+1 café.JPG", "d41d8cd98f00b204e9800998ecf8427e", 1024,
            new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero)), created);
    }

    [Fact]
    public void A_multipart_upload_names_one_version_twice()
    {
        var created = Body("s3-multipart.json").Objects;

        Assert.Equal(2, created.Count);
        Assert.All(created, o => Assert.Equal("big/scan.tiff", o.Key));
        Assert.Single(created.DistinctBy(o => (o.Key, o.ETag)));
    }

    [Theory]
    [InlineData("""{"foo":1}""", "neither an S3 notification")]
    [InlineData("""{"Records":null}""", "no records")]
    [InlineData("""{"Records":[]}""", "no records")]
    [InlineData("""{"Records":[{"foo":1}]}""", "not an S3 ObjectCreated event")]
    [InlineData("""{"Records":"x"}""", "malformed event")]
    [InlineData("""{"Service":"Amazon S3","Event":"s3:Other"}""", "no records")]
    [InlineData("this is not JSON", "not a JSON object")]
    [InlineData("""[1,2]""", "not a JSON object")]
    [InlineData("""{"Type":"SubscriptionConfirmation","Message":"You have chosen to subscribe"}""", "not a notification")]
    [InlineData("""{"Type":"Notification","Message":"Hello world!"}""", "not an S3 notification")]
    [InlineData("""{"source":"aws.s3","detail-type":"Object Deleted","detail":{"bucket":{"name":"pipeline-input"},"object":{"key":"a.jpg"}}}""", "not an S3 Object Created event")]
    [InlineData("""{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"other"},"object":{"key":"a.jpg","etag":"abc"}}}""", "names bucket other")]
    [InlineData("""{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"pipeline-input"},"object":{"key":"a.jpg"}}}""", "no version")]
    public void Anything_else_is_refused_with_a_reason(string body, string reason)
    {
        var read = QueueMessage.Read(body, InputBucket);

        Assert.Empty(read.Objects);
        Assert.Contains(reason, read.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Records_of_another_bucket_without_a_version_or_not_object_created_are_refused()
    {
        var put = Assert.Single(Sqs("sqs-s3-put.json").Records!).Body!;

        Assert.Contains("names bucket pipeline-input; this worker converts objects of elsewhere", QueueMessage.Read(put, "elsewhere").Refusal, StringComparison.Ordinal);
        Assert.Contains("no version", QueueMessage.Read(put.Replace("\"eTag\":\"d41d8cd98f00b204e9800998ecf8427e\",", "", StringComparison.Ordinal), InputBucket).Refusal, StringComparison.Ordinal);
        Assert.Contains("ObjectRemoved:Delete", Body("s3-object-removed.json").Refusal, StringComparison.Ordinal);
        Assert.Empty(Body("s3-object-removed.json").Objects);
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
