using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Api;
using Pipeline.Api.Gateway;
using Pipeline.Diagnostics;
using Pipeline.Imaging;
using Pipeline.Jobs;
using Pipeline.Lambda;

namespace Pipeline.Tests;

/// <summary>
/// Who may see a job: the caller API Gateway names (an API key's id, or an authorizer's user or
/// signer) owns the jobs it creates, and any other caller gets the 404 of a job that does not
/// exist. A caller nothing names (no keys) reads jobs created the same way, as before.
/// </summary>
public sealed class OwnershipTests
{
    private const string UploadBody = """{"contentType":"image/jpeg","contentLength":1000}""";

    private static ApiFunction Function(JobStore jobs) =>
        new(new ApiOptions(), Converters.Default, jobs, JsonLog.Null);

    private static async Task<ApiReply> Handle(JsonObject e, ApiFunction function)
    {
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddSeconds(30), null, e.ToPayload());
        return ApiReply.Parse(await function.HandleAsync(invocation, CancellationToken.None), e.IsHttpV2());
    }

    /// <summary>A REST request as API Gateway sends it for a method that needs a key: with the key's id (never the key) in the context.</summary>
    private static JsonObject Keyed(string method, string path, string? apiKeyId)
    {
        var e = ApiEvents.RestV1(method, path);
        if (apiKeyId is not null)
            e["requestContext"]!["identity"]!["apiKeyId"] = apiKeyId;
        return e;
    }

    private static async Task<(string Id, Uri Upload)> CreateAsync(ApiFunction function, JsonObject request)
    {
        var created = await Handle(request.WithTextBody(UploadBody), function);
        Assert.Equal(201, created.StatusCode);
        using var json = JsonDocument.Parse(created.Body);
        return (json.RootElement.GetProperty("id").GetString()!, new Uri(json.RootElement.GetProperty("upload").GetProperty("url").GetString()!));
    }

    public static TheoryData<string, string?> Callers => new()
    {
        { "api key", "key-k1abc2def3" },
        { "cognito user pool", "user https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ex4mpLe12 7d8ca528-4931-4254-9273-ea5ee853f271" },
        { "jwt", "user https://example.eu.auth0.com/ auth0|5f7c8ec7c33c6c004bbafe82" },
        { "iam", "iam arn:aws:sts::123456789012:assumed-role/Uploader/i-0a1b2c3d4e5f67890" },
        { "cognito identity pool", "cognito-identity us-east-1:0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e" },
        { "lambda authorizer", "principal customer-42" },
        { "http api iam", "iam arn:aws:iam::123456789012:user/uploader" },
        { "nothing", null },
    };

    [Theory]
    [MemberData(nameof(Callers))]
    public void The_caller_is_read_from_where_api_gateway_puts_it_and_an_authorizer_wins_over_the_key(string kind, string? expected)
    {
        var e = kind switch
        {
            "api key" => Keyed("POST", "/uploads", "k1abc2def3"),
            "cognito user pool" => Fixtures.Load(Fixtures.RestV1CognitoAuthorizer), // also carries apiKeyId a1b2c3d4e5: the key meters, the user owns
            "jwt" => Fixtures.Load(Fixtures.HttpV2JwtAuthorizer),
            "iam" => Keyed("POST", "/uploads", "k1abc2def3"),
            "cognito identity pool" => Keyed("POST", "/uploads", "k1abc2def3"),
            "lambda authorizer" => Keyed("POST", "/uploads", "k1abc2def3"),
            "http api iam" => ApiEvents.HttpV2("POST", "/uploads"),
            _ => ApiEvents.RestV1("POST", "/uploads"),
        };
        switch (kind)
        {
            case "iam":
                e["requestContext"]!["identity"]!["userArn"] = "arn:aws:sts::123456789012:assumed-role/Uploader/i-0a1b2c3d4e5f67890";
                break;
            case "cognito identity pool":
                e["requestContext"]!["identity"]!["userArn"] = "arn:aws:sts::123456789012:assumed-role/Cognito_Authenticated/CognitoIdentityCredentials";
                e["requestContext"]!["identity"]!["cognitoIdentityId"] = "us-east-1:0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e";
                break;
            case "lambda authorizer":
                e["requestContext"]!["authorizer"] = new JsonObject { ["principalId"] = "customer-42", ["plan"] = "gold", ["integrationLatency"] = 12 };
                break;
            case "http api iam":
                e["requestContext"]!["authorizer"] = new JsonObject { ["iam"] = new JsonObject { ["userArn"] = "arn:aws:iam::123456789012:user/uploader", ["accessKey"] = "AKIAEXAMPLE" } };
                break;
        }

        Assert.Equal(expected, ApiGatewayHttp.ReadRequest(e.ToPayload()).Caller);
    }

    [Fact]
    public async Task A_keys_upload_lands_in_the_keys_own_folder_and_its_id_is_the_keys()
    {
        using var storage = new EmptyStorage();
        var function = Function(storage.Store);

        var (keyed, keyedUrl) = await CreateAsync(function, Keyed("POST", "/uploads", "k1abc2def3"));
        var (user, userUrl) = await CreateAsync(function, Fixtures.Load(Fixtures.RestV1CognitoAuthorizer));
        var (anonymous, anonymousUrl) = await CreateAsync(function, Keyed("POST", "/uploads", null));

        Assert.Equal($"/pipeline-input/uploads/key-k1abc2def3/{keyed}", keyedUrl.AbsolutePath);
        // An authorizer's user is no safe folder name: a hash of it.
        Assert.Matches($"^/pipeline-input/uploads/h-[0-9a-f]{{32}}/{user}$", userUrl.AbsolutePath);
        Assert.Equal($"/pipeline-input/uploads/{anonymous}", anonymousUrl.AbsolutePath);
        Assert.True(JobId.TryParse(keyed, out var id));
        Assert.True(id.BelongsTo("key-k1abc2def3"));
        Assert.False(id.BelongsTo("key-z9y8x7w6v5"));
        Assert.Equal(0, storage.Requests); // signing is local
    }

    [Fact]
    public async Task Another_keys_read_of_a_job_is_a_404_that_reads_no_storage_and_the_owners_read_finds_it()
    {
        using var storage = new EmptyStorage();
        var function = Function(storage.Store);
        var (id, _) = await CreateAsync(function, Keyed("POST", "/uploads", "alice00001"));

        var strangerStatus = await Handle(Keyed("GET", "/jobs/" + id, "bob0000002"), function);
        var strangerResult = await Handle(Keyed("GET", $"/jobs/{id}/result", "bob0000002"), function);
        Assert.Equal(0, storage.Requests);
        var owner = await Handle(Keyed("GET", "/jobs/" + id, "alice00001"), function);

        // The very answer an id that never existed gets: nothing tells the stranger it does.
        var neverId = JobId.New(DateTimeOffset.UtcNow.AddMinutes(5)).Value;
        var never = await Handle(Keyed("GET", "/jobs/" + neverId, "bob0000002"), function);
        Assert.Equal(never.Error(404, "not_found").Replace(neverId, id, StringComparison.Ordinal), strangerStatus.Error(404, "not_found"));
        strangerResult.Error(404, "not_found");
        Assert.Equal(202, owner.StatusCode); // the owner's job, read from storage: pending until its upload is converted
        Assert.True(storage.Requests > 0);
    }

    [Fact]
    public async Task A_users_job_is_theirs_whichever_key_meters_it_and_no_other_users()
    {
        using var storage = new EmptyStorage();
        var function = Function(storage.Store);
        var (id, _) = await CreateAsync(function, Fixtures.Load(Fixtures.RestV1CognitoAuthorizer));

        var sameUserOtherKey = Fixtures.Load(Fixtures.RestV1CognitoAuthorizer).WithMethod("GET").WithPath("/jobs/" + id).WithoutBody();
        sameUserOtherKey["requestContext"]!["identity"]!["apiKeyId"] = "z9y8x7w6v5";
        var otherUser = Fixtures.Load(Fixtures.RestV1CognitoAuthorizer).WithMethod("GET").WithPath("/jobs/" + id).WithoutBody();
        otherUser["requestContext"]!["authorizer"]!["claims"]!["sub"] = "0c4f1b2e-9a8d-4c7b-b6a5-f4e3d2c1b0a9";

        (await Handle(otherUser, function)).Error(404, "not_found");
        Assert.Equal(202, (await Handle(sameUserOtherKey, function)).StatusCode);
    }

    [Fact]
    public async Task Without_keys_a_job_is_read_as_before_by_any_caller()
    {
        using var storage = new EmptyStorage();
        var function = Function(storage.Store);
        var (id, _) = await CreateAsync(function, ApiEvents.HttpV2("POST", "/uploads"));

        var status = await Handle(ApiEvents.RestV1("GET", "/jobs/" + id), function);

        Assert.Equal(202, status.StatusCode);
        status.AssertDataHeaders();
    }
}
