using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// The layer's decoders at work where only the layer and the AL2023 base exist (al2023-sandbox.sh):
/// the AOT API bootstrap converts a HEIC, an AVIF, a JPEG XL and a Display P3 JPEG with the
/// layer's libheif, libde265, dav1d, libjxl and lcms2 (and the encoder stubs), loading none of
/// them for a plain JPEG; and a layer built without HEVC refuses HEIC cleanly.
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class LayerCodecTests(LayerFixture layer, ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly string[] CodecLibraries = ["libheif.so.1", "libde265.so.0", "libdav1d.so.6", "libjxl.so.0.7", "liblcms2.so.2"];
    private static readonly byte[] Png = TestImages.Png(320, 240);

    [Fact]
    public void The_layer_carries_the_codecs_the_stubs_and_their_licences()
    {
        var shipped = Directory.GetFiles(LayerFixture.LibDirectory).Select(Path.GetFileName).ToList();
        var licences = Directory.GetFiles(Path.Combine(LayerFixture.LayerDirectory, "licenses")).Select(Path.GetFileName).ToList();

        Assert.All(CodecLibraries.Concat(["libx265.so.199", "libaom.so.3", "libhwy.so.1", "libbrotlidec.so.1"]), l => Assert.Contains(l, shipped));
        foreach (var stub in new[] { "libx265.so.199", "libaom.so.3" })
        {
            Assert.True(new FileInfo(Path.Combine(LayerFixture.LibDirectory, stub)).Length < 64 * 1024, $"{stub} is not the stub");
            Assert.DoesNotContain(Elf.Needed(Path.Combine(LayerFixture.LibDirectory, stub)), n => n != "libc.so.6");
        }
        Assert.Contains("libheif1.copyright", licences);
        Assert.Contains("libde265-0.copyright", licences);
        Assert.Contains("License: LGPL-3+", File.ReadAllText(Path.Combine(LayerFixture.LayerDirectory, "licenses", "libheif1.copyright")), StringComparison.Ordinal);
        Assert.True(Elf.MaxGlibc(Path.Combine(LayerFixture.LibDirectory, "libjxl.so.0.7")) <= LayerFixture.Al2023Glibc);
    }

    [Fact]
    public async Task The_api_bootstrap_converts_heic_avif_jpeg_xl_and_p3_with_the_layers_libraries_only_when_needed()
    {
        Assert.True(Sandbox.RunsAsRoot, "unshare --mount needs root; the tests run as root here and in CI");
        var photos = new (string Name, byte[] Body)[]
        {
            ("heic", EncodedPhotos.Heic(Png)),
            ("avif", EncodedPhotos.Avif(Png)),
            ("jxl", EncodedPhotos.Jxl(Png)),
            ("p3 jpeg", EncodedPhotos.Jpgicc(EncodedPhotos.Jpeg(Png), EncodedPhotos.DisplayP3)),
        };
        await using var runtime = await FakeRuntimeApi.StartAsync();
        IReadOnlyList<MappedFile> afterJpeg, mapped;
        var replies = new List<(string Name, JsonElement Response)>();
        using (var function = Sandbox.Start(LayerFixture.LayerDirectory, Environment(runtime), layer.ApiBootstrap))
        {
            await Reply(runtime, TestImages.Jpeg(320, 240), "plain");
            afterJpeg = function.MappedSharedObjects();
            foreach (var (name, body) in photos)
                replies.Add((name, await Reply(runtime, body, name)));
            mapped = function.MappedSharedObjects();
            log.WriteLine(function.Tail());
        }

        Assert.DoesNotContain(afterJpeg, f => CodecLibraries.Contains(Path.GetFileName(f.Path)));
        foreach (var (name, response) in replies)
        {
            Assert.True(response.GetProperty("statusCode").GetInt32() == 200, $"{name}: {response}");
            using var gray = PixelAssert.IsGray(Convert.FromBase64String(response.GetProperty("body").GetString()!));
            Assert.Equal(new Size(320, 240), gray.Size());
        }
        foreach (var library in CodecLibraries.Concat(["libx265.so.199", "libaom.so.3"]))
        {
            var file = Assert.Single(mapped, f => Path.GetFileName(f.Path) == library);
            Assert.Equal("/opt/lib/" + library, file.Path);
        }
    }

    [Fact]
    public async Task A_layer_built_without_hevc_refuses_heic_cleanly_and_still_converts_avif()
    {
        Assert.True(Sandbox.RunsAsRoot, "unshare --mount needs root; the tests run as root here and in CI");
        var folder = Directory.CreateTempSubdirectory("layer-without-hevc-");
        try
        {
            // The layer's other files, linked (never written), and the codecs built again with the libde265 stub.
            var lib = Directory.CreateDirectory(Path.Combine(folder.FullName, "lib")).FullName;
            foreach (var file in new[] { "libOpenCvSharpExtern.so", "libatomic.so.1", "libturbojpeg.so.0" })
                File.CreateSymbolicLink(Path.Combine(lib, file), Path.Combine(LayerFixture.LibDirectory, file));
            var built = await Tools.RunAsync("scripts/layer-codecs.sh", [lib], new Dictionary<string, string> { ["PIPELINE_LAYER_HEVC"] = "0" });
            Assert.True(built.ExitCode == 0, built.Stderr);
            Assert.True(new FileInfo(Path.Combine(lib, "libde265.so.0")).Length < 64 * 1024, "libde265 is not the stub");

            var heic = EncodedPhotos.Heic(Png);
            var avif = EncodedPhotos.Avif(Png);
            foreach (var (setting, heicStatus) in new[] { ("0", 415), ("1", 422) })
            {
                await using var runtime = await FakeRuntimeApi.StartAsync();
                var environment = new Dictionary<string, string>(Environment(runtime)) { ["PIPELINE_HEIC"] = setting };
                using var function = Sandbox.Start(folder.FullName, environment, layer.ApiBootstrap);
                var refused = await Reply(runtime, heic, "heic");
                var converted = await Reply(runtime, avif, "avif");
                log.WriteLine($"PIPELINE_HEIC={setting}: {refused}");

                // 0: refused before decoding (415); 1 with the stub: the decoder fails, a clean 422, never a crash.
                Assert.Equal(heicStatus, refused.GetProperty("statusCode").GetInt32());
                Assert.Equal(200, converted.GetProperty("statusCode").GetInt32());
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static Dictionary<string, string> Environment(FakeRuntimeApi runtime) => Sandbox.ApiEnvironment(runtime, "/opt/lib"); // as on Lambda

    private static async Task<JsonElement> Reply(FakeRuntimeApi runtime, byte[] image, string requestId)
    {
        var proxy = new JsonObject
        {
            ["resource"] = "/{proxy+}",
            ["path"] = "/",
            ["httpMethod"] = "POST",
            ["headers"] = new JsonObject { ["Accept"] = "*/*" },
            ["requestContext"] = new JsonObject { ["requestId"] = requestId },
            ["body"] = Convert.ToBase64String(image),
            ["isBase64Encoded"] = true,
        };
        var post = await runtime.InvokeAsync(Encoding.UTF8.GetBytes(proxy.ToJsonString()), requestId).WaitAsync(Patience);
        Assert.Equal("response", post.Kind);
        using var document = JsonDocument.Parse(post.Body);
        return document.RootElement.Clone();
    }
}
