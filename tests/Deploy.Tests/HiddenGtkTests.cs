using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// Runs the AOT API bootstrap where the only libraries are the layer and the AL2023 base set,
/// as on provided.al2023: the host's GTK, cairo, X11 and the rest are hidden (al2023-sandbox.sh).
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class HiddenGtkTests(LayerFixture layer, ITestOutputHelper log)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const string HostLibraries = "/usr/lib/x86_64-linux-gnu";

    [Fact]
    public async Task The_api_bootstrap_grayscales_a_jpeg_with_only_the_layer_and_the_al2023_base()
    {
        Assert.True(Sandbox.RunsAsRoot, "unshare --mount needs root; the tests run as root here and in CI");
        var jpeg = TestImages.Jpeg(320, 240);
        await using var runtime = await FakeRuntimeApi.StartAsync();
        var environment = Sandbox.ApiEnvironment(runtime, LayerFixture.LibDirectory);
        int processId;
        IReadOnlyList<MappedFile> afterLossless, mapped;
        RuntimeApiPost reply, reencoded;
        using (var function = Sandbox.Start(LayerFixture.LayerDirectory, environment, layer.ApiBootstrap))
        {
            processId = function.ProcessId;
            // JPEG to JPEG with no quality named needs only libturbojpeg; a quality needs OpenCV.
            reply = await runtime.InvokeAsync(ProxyEvent(jpeg), "r1").WaitAsync(Patience);
            afterLossless = function.MappedSharedObjects();
            reencoded = await runtime.InvokeAsync(ProxyEvent(jpeg, quality: 90), "r2").WaitAsync(Patience);
            mapped = function.MappedSharedObjects(); // still running: waiting for the next event
            Assert.Equal(layer.ApiBootstrap, new FileInfo($"/proc/{processId}/exe").LinkTarget);
            log.WriteLine(function.Tail());
        }
        Assert.False(Directory.Exists($"/proc/{processId}"), "the bootstrap outlived the test");

        // The answer: 200 with a base64 gray JPEG of the same size, holding the input's luma
        // exactly (the lossless path, through the layer's libturbojpeg).
        Assert.Equal("response", reply.Kind);
        using var document = JsonDocument.Parse(reply.Body);
        var response = document.RootElement;
        Assert.Equal(200, response.GetProperty("statusCode").GetInt32());
        Assert.True(response.GetProperty("isBase64Encoded").GetBoolean());
        var gray = Convert.FromBase64String(response.GetProperty("body").GetString()!);
        Assert.Equal([0xFF, 0xD8], gray[..2]);
        using var pixels = PixelAssert.IsGray(gray);
        Assert.Equal(new OpenCvSharp.Size(320, 240), pixels.Size());
        using (var luma = OpenCvSharp.Cv2.ImDecode(jpeg, OpenCvSharp.ImreadModes.Grayscale))
            Assert.Equal(0, OpenCvSharp.Cv2.Norm(luma, pixels, OpenCvSharp.NormTypes.INF));
        Assert.DoesNotContain(afterLossless, f => Path.GetFileName(f.Path) == "libOpenCvSharpExtern.so");

        // The re-encoded answer: decoded and encoded by OpenCV, so close to the luma, not equal.
        Assert.Equal("response", reencoded.Kind);
        using var second = JsonDocument.Parse(reencoded.Body);
        Assert.Equal(200, second.RootElement.GetProperty("statusCode").GetInt32());
        using var reencodedPixels = PixelAssert.IsGray(Convert.FromBase64String(second.RootElement.GetProperty("body").GetString()!));
        PixelAssert.LumaMatches(jpeg, reencodedPixels);

        // What the process had loaded: the layer's patched library, from /opt/lib like on Lambda,
        // and otherwise AL2023 base libraries only; nothing of the GUI stack.
        foreach (var file in mapped)
            log.WriteLine($"mapped: {file.Path}");
        var openCv = Assert.Single(mapped, f => Path.GetFileName(f.Path) == "libOpenCvSharpExtern.so");
        Assert.Equal("/opt/lib/libOpenCvSharpExtern.so", openCv.Path);
        Assert.Equal(Inode(LayerFixture.OpenCvLibrary), openCv.Inode);
        Assert.Contains(mapped, f => f.Path == Path.Combine(LayerFixture.LibDirectory, "libatomic.so.1"));
        var turboJpeg = Assert.Single(mapped, f => Path.GetFileName(f.Path) == "libturbojpeg.so.0");
        Assert.Equal("/opt/lib/libturbojpeg.so.0", turboJpeg.Path); // not found anywhere else in the sandbox
        Assert.DoesNotContain(mapped, f => LayerFixture.GuiLibrary().IsMatch(Path.GetFileName(f.Path)));
        foreach (var file in mapped.Where(f => Path.GetDirectoryName(f.Path) == HostLibraries))
            Assert.Contains(Path.GetFileName(file.Path), layer.BaseSonames);
        Assert.All(mapped, f => Assert.Contains(Path.GetDirectoryName(f.Path), new[] { HostLibraries, "/opt/lib", LayerFixture.LibDirectory }));
    }

    [Fact]
    public void The_sandbox_hides_the_gui_libraries_the_host_has()
    {
        Assert.True(Sandbox.RunsAsRoot, "unshare --mount needs root; the tests run as root here and in CI");
        const string loader = "/lib64/ld-linux-x86-64.so.2";

        // On the host, the library as NuGet ships it finds GTK (scripts/setup.sh installs it) ...
        var host = Tools.Run(loader, "--list", LayerFixture.UnpatchedOpenCvLibrary);
        Assert.Equal(0, host.ExitCode);
        Assert.Matches(@"libgtk-3\.so\.0 => /\S+/libgtk-3\.so\.0", host.Stdout);

        // ... in the sandbox it cannot load: its first GUI dependency is missing.
        var firstGui = Elf.Needed(LayerFixture.UnpatchedOpenCvLibrary).First(n => LayerFixture.GuiLibrary().IsMatch(n));
        var hidden = Sandbox.Run(LayerFixture.LayerDirectory, new Dictionary<string, string>(), loader, "--list", LayerFixture.UnpatchedOpenCvLibrary);
        log.WriteLine(hidden.Stderr);
        Assert.NotEqual(0, hidden.ExitCode);
        Assert.Contains($"{firstGui}: cannot open shared object file", hidden.Stderr, StringComparison.Ordinal);

        // The layer's library resolves every dependency from the layer and the base set.
        var patched = Sandbox.Run(LayerFixture.LayerDirectory, new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = "/opt/lib" }, loader, "--list", "/opt/lib/libOpenCvSharpExtern.so");
        log.WriteLine(patched.Stdout);
        Assert.Equal(0, patched.ExitCode);
        Assert.DoesNotContain("not found", patched.Stdout, StringComparison.Ordinal);
        Assert.Contains("libatomic.so.1 => /opt/lib/libatomic.so.1", patched.Stdout, StringComparison.Ordinal);

        var turboJpeg = Sandbox.Run(LayerFixture.LayerDirectory, new Dictionary<string, string>(), loader, "--list", "/opt/lib/libturbojpeg.so.0");
        log.WriteLine(turboJpeg.Stdout);
        Assert.Equal(0, turboJpeg.ExitCode);
        Assert.DoesNotContain("not found", turboJpeg.Stdout, StringComparison.Ordinal);
    }

    private static byte[] ProxyEvent(byte[] jpeg, int? quality = null)
    {
        var proxy = new JsonObject
        {
            ["resource"] = "/{proxy+}",
            ["path"] = "/",
            ["httpMethod"] = "POST",
            ["headers"] = new JsonObject { ["Accept"] = "*/*" },
            ["requestContext"] = new JsonObject { ["requestId"] = "r1" },
            ["body"] = Convert.ToBase64String(jpeg),
            ["isBase64Encoded"] = true,
        };
        if (quality is { } named)
            proxy["queryStringParameters"] = new JsonObject { ["quality"] = named.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return Encoding.UTF8.GetBytes(proxy.ToJsonString());
    }

    private static long Inode(string path) =>
        long.Parse(Tools.Output("stat", "-c", "%i", path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
}
