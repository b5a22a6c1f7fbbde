using System.Diagnostics;
using System.Text.Json.Nodes;
using Pipeline.Api.Gateway;
using Pipeline.Api;
using Pipeline.Diagnostics;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Lambda;
using Xunit.Abstractions;

namespace Pipeline.Tests;

/// <summary>The hostile corpus and mutated images through the API function in-process: an image or a JSON 4xx, never a 5xx.</summary>
public class HostileApiTests
{
    private const int Variants = 400;

    // What a mutated image can be refused for: its own size, format or data, never the request's shape or the service.
    private static readonly ErrorCode[] ImageFaults = [ErrorCode.TooManyPixels, ErrorCode.UnsupportedMediaType, ErrorCode.CorruptImage, ErrorCode.TooExpensive];
    private readonly ApiFunction _function = new(new ApiOptions(), Converters.Default, UnreachableStorage.Store(), JsonLog.Null);
    private readonly ITestOutputHelper _output;

    public HostileApiTests(ITestOutputHelper output)
    {
        _output = output;
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
    }

    public static TheoryData<string> Cases => [.. HostileCorpus.All.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_case_gets_its_grayscale_image_or_its_json_error(string name)
    {
        var hostile = HostileCorpus.Get(name);

        var reply = await Handle(Fixtures.Load(Fixtures.RestV1PostBinary).WithHeader("Content-Type", hostile.ContentType).WithBody(hostile.Body));

        if (hostile.IsImage)
        {
            var output = hostile.Format!.Value.DefaultOutput(); // its own format, or JPEG for HEIC, AVIF and JPEG XL
            using var gray = PixelAssert.IsGray(reply.Image(output.MediaType()), tolerance: output == ImageFormat.WebP ? 1 : 0);
            Assert.Equal(hostile.Size, gray.Size());
        }
        else
        {
            reply.Error(hostile.Status, hostile.Code!);
        }
    }

    [Fact]
    public async Task Mutated_images_get_an_image_or_a_json_4xx_never_a_5xx()
    {
        int seed = HostileCorpus.FuzzSeed();
        var clock = Stopwatch.StartNew();
        var statuses = new SortedDictionary<int, int>();

        foreach (var mutant in HostileCorpus.Mutants(seed, Variants))
        {
            var fixture = mutant.Index % 2 == 0 ? Fixtures.RestV1PostBinary : Fixtures.HttpV2PostBinary;
            var reply = await Handle(Fixtures.Load(fixture).WithBody(mutant.Body));

            statuses[reply.StatusCode] = statuses.GetValueOrDefault(reply.StatusCode) + 1;
            string context = $"PIPELINE_FUZZ_SEED={seed} {mutant}";
            if (reply.StatusCode == 200)
            {
                Assert.True(reply.IsBase64Encoded, context);
                continue;
            }
            // The image's fault, in the one error shape, with the status its code has in the vocabulary.
            Assert.True(reply.StatusCode is 413 or 415 or 422, $"{context}: {reply.StatusCode} {reply.Text}");
            var (code, _) = reply.ErrorOf(reply.StatusCode);
            var fault = ImageFaults.Where(f => ErrorCodes.Name(f) == code).ToList();
            Assert.True(fault.Count == 1, $"{context}: {reply.StatusCode} {code} is not the image's fault");
            Assert.Equal(ErrorCodes.HttpStatus(fault[0]), reply.StatusCode);
        }

        _output.WriteLine($"PIPELINE_FUZZ_SEED={seed}: {Variants} variants in {clock.Elapsed.TotalSeconds:0.0} s; statuses {string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"))}");
    }

    private async Task<ApiReply> Handle(JsonObject e)
    {
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddSeconds(30), null, e.ToPayload());
        var document = await _function.HandleAsync(invocation, CancellationToken.None);
        return ApiReply.Parse(document, e.IsHttpV2());
    }
}
