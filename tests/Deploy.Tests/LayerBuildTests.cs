using System.Diagnostics;
using Xunit.Abstractions;

namespace Pipeline.Tests.Deploy;

[Collection(DeployCollection.Name)]
public sealed class LayerBuildTests(LayerFixture layer, ITestOutputHelper log)
{
    [Fact]
    public void The_layers_library_needs_no_gui_library_but_everything_else_it_needed()
    {
        var original = Elf.Needed(LayerFixture.UnpatchedOpenCvLibrary);
        var patched = Elf.Needed(LayerFixture.OpenCvLibrary);
        log.WriteLine("now needs: " + string.Join(' ', patched));

        Assert.Contains("libgtk-3.so.0", original); // what the NuGet package ships
        Assert.DoesNotContain(patched, n => LayerFixture.GuiLibrary().IsMatch(n));
        Assert.Equal(original.Where(n => !LayerFixture.GuiLibrary().IsMatch(n)), patched);
        Assert.Equal(
            ["ld-linux-x86-64.so.2", "libatomic.so.1", "libc.so.6", "libdl.so.2", "libgcc_s.so.1", "libm.so.6", "libpthread.so.0", "librt.so.1", "libstdc++.so.6"],
            patched.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_patch_changes_only_the_needed_entries()
    {
        // Same exports, same size; and lazy binding (no BIND_NOW), so highgui's now-missing
        // imports are only looked up if highgui is called, which we never do.
        var exported = Tools.Output("nm", "-D", "--defined-only", LayerFixture.OpenCvLibrary);
        Assert.Equal(Tools.Output("nm", "-D", "--defined-only", LayerFixture.UnpatchedOpenCvLibrary), exported);
        Assert.Equal(new FileInfo(LayerFixture.UnpatchedOpenCvLibrary).Length, new FileInfo(LayerFixture.OpenCvLibrary).Length);
        Assert.DoesNotContain("BIND_NOW", Tools.Output("readelf", "-d", "--wide", LayerFixture.OpenCvLibrary), StringComparison.Ordinal);
    }

    [Fact]
    public void The_layer_ships_only_what_the_al2023_base_lacks()
    {
        var shipped = Directory.GetFiles(LayerFixture.LibDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(
            ["libOpenCvSharpExtern.so", "libaom.so.3", "libatomic.so.1", "libbrotlicommon.so.1", "libbrotlidec.so.1", "libbrotlienc.so.1", "libdav1d.so.6",
             "libde265.so.0", "libheif.so.1", "libhwy.so.1", "libjxl.so.0.7", "liblcms2.so.2", "libturbojpeg.so.0", "libx265.so.199"],
            shipped);
        Assert.DoesNotContain("libatomic.so.1", layer.BaseSonames); // gcc's libatomic is in no AL2023 image
        Assert.DoesNotContain("libturbojpeg.so.0", layer.BaseSonames);
        Assert.Contains("libstdc++.so.6", layer.BaseSonames);
        Assert.Contains("libgcc_s.so.1", layer.BaseSonames);
        Assert.Equal(["lib", "licenses"], Directory.GetFileSystemEntries(LayerFixture.LayerDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_layers_libturbojpeg_is_debians_and_needs_only_glibc()
    {
        var shipped = Path.Combine(LayerFixture.LibDirectory, "libturbojpeg.so.0");

        Assert.Equal(File.ReadAllBytes("/usr/lib/x86_64-linux-gnu/libturbojpeg.so.0"), File.ReadAllBytes(shipped));
        Assert.Equal(["ld-linux-x86-64.so.2", "libc.so.6"], Elf.Needed(shipped).Order(StringComparer.Ordinal));
        Assert.Contains("tjTransform", Tools.Output("nm", "-D", "--defined-only", shipped), StringComparison.Ordinal);
        Assert.True(Elf.MaxGlibc(shipped) <= LayerFixture.Al2023Glibc, $"needs GLIBC_{Elf.MaxGlibc(shipped)}");
    }

    [Fact]
    public void Debians_libstdcxx_and_libgcc_s_could_not_be_shipped_as_they_need_a_newer_glibc()
    {
        // Why the layer relies on the AL2023 base for these two: Debian 12's builds need glibc > 2.34.
        foreach (var soname in new[] { "libstdc++.so.6", "libgcc_s.so.1" })
        {
            var glibc = Elf.MaxGlibc(Path.Combine("/usr/lib/x86_64-linux-gnu", soname));
            log.WriteLine($"Debian's {soname} needs GLIBC_{glibc}");
            Assert.True(glibc > LayerFixture.Al2023Glibc, $"{soname} needs GLIBC_{glibc}");
        }
    }

    [Fact]
    public void A_file_that_differs_from_its_listed_sha256_fails_the_build_and_leaves_the_layer_alone()
    {
        // The NuGet package's library with one byte changed, in a package cache of its own.
        using var cache = new TempDirectory("nuget-");
        var packages = cache.Path;
        var native = Artifacts.OpenCvNativeDirectory;
        var relative = string.Join('/', native.Split('/')[^5..]); // <package>/<version>/runtimes/linux-x64/native
        var changed = Path.Combine(packages, relative, "libOpenCvSharpExtern.so");
        Directory.CreateDirectory(Path.GetDirectoryName(changed)!);
        var bytes = File.ReadAllBytes(LayerFixture.UnpatchedOpenCvLibrary);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(changed, bytes);
        Artifacts.WithLock(() =>
        {
            var before = Tools.Output("stat", "-c", "%i %Y %s", LayerFixture.OpenCvLibrary);

            var build = Tools.RunAsync("scripts/build-layer.sh", [], new Dictionary<string, string> { ["NUGET_PACKAGES"] = packages }).GetAwaiter().GetResult();

            Assert.NotEqual(0, build.ExitCode);
            Assert.Contains("differ from layer/files.sha256", build.Stderr, StringComparison.Ordinal);
            Assert.Contains("source/libOpenCvSharpExtern.so", build.Stderr, StringComparison.Ordinal);
            Assert.Equal(before, Tools.Output("stat", "-c", "%i %Y %s", LayerFixture.OpenCvLibrary));
        });
    }

    [Fact]
    public void The_listed_sha256_are_those_of_the_layer_built_here()
    {
        var listed = File.ReadLines(Path.Combine(Artifacts.RepoRoot, "layer", "files.sha256"))
            .Where(l => !l.StartsWith('#'))
            .Select(l => l.Split("  ", 2))
            .ToDictionary(p => p[1], p => p[0]);
        static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

        Assert.Equal(
            Directory.GetFiles(LayerFixture.LibDirectory).Select(f => "lib/" + Path.GetFileName(f)).Append("source/libOpenCvSharpExtern.so").Order(StringComparer.Ordinal),
            listed.Keys.Order(StringComparer.Ordinal));
        foreach (var file in Directory.GetFiles(LayerFixture.LibDirectory))
            Assert.Equal(listed["lib/" + Path.GetFileName(file)], Sha256(file));
        Assert.Equal(listed["source/libOpenCvSharpExtern.so"], Sha256(LayerFixture.UnpatchedOpenCvLibrary));
    }

    [Fact]
    public void Building_again_when_up_to_date_changes_nothing_and_is_quick()
    {
        Artifacts.WithLock(() =>
        {
            var before = Tools.Output("stat", "-c", "%i %Y %s", LayerFixture.OpenCvLibrary, Path.Combine(LayerFixture.LibDirectory, "libatomic.so.1"), Path.Combine(LayerFixture.LibDirectory, "libturbojpeg.so.0"));
            // CPU time of the script and everything it runs (bash's `times`): what the check costs,
            // whatever else the machine is doing at the time (wall time is not).
            var clock = Stopwatch.StartNew();
            var times = Tools.Output("bash", "-c", "scripts/build-layer.sh >/dev/null; times").Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
            clock.Stop();
            var cpu = times.Split(' ').Select(ParseBashTime).Sum();
            log.WriteLine($"up-to-date build took {clock.ElapsedMilliseconds} ms, {cpu:0.00} s of CPU");

            Assert.Equal(before, Tools.Output("stat", "-c", "%i %Y %s", LayerFixture.OpenCvLibrary, Path.Combine(LayerFixture.LibDirectory, "libatomic.so.1"), Path.Combine(LayerFixture.LibDirectory, "libturbojpeg.so.0")));
            Assert.True(cpu < 2, $"took {cpu:0.00} s of CPU");
        });
    }

    [Fact]
    public void Every_deployed_elf_file_needs_at_most_glibc_2_34()
    {
        var files = LayerFixture.DeployedElfFiles();

        Assert.Contains(LayerFixture.OpenCvLibrary, files);
        Assert.Contains(Path.Combine(LayerFixture.LibDirectory, "libturbojpeg.so.0"), files);
        Assert.Contains(layer.ApiBootstrap, files);
        foreach (var file in files)
        {
            var glibc = Elf.MaxGlibc(file);
            log.WriteLine($"{Path.GetRelativePath(Artifacts.RepoRoot, file)}: GLIBC_{glibc}");
            // Only the encoder stubs (layer/codec-stubs.c) call nothing versioned in glibc.
            Assert.True(glibc is not null || Path.GetFileName(file) is "libx265.so.199" or "libaom.so.3", $"{file} needs no glibc version");
            Assert.True(glibc is null || glibc <= LayerFixture.Al2023Glibc, $"{file} needs GLIBC_{glibc}");
        }
    }

    /// <summary>Seconds from bash's <c>times</c> format, e.g. <c>0m1.250s</c>.</summary>
    private static double ParseBashTime(string text)
    {
        var minutes = text.Split('m');
        return double.Parse(minutes[0], System.Globalization.CultureInfo.InvariantCulture) * 60
            + double.Parse(minutes[1].TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
    }
}
