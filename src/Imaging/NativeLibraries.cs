using System.Reflection;
using System.Runtime.InteropServices;

namespace Pipeline.Imaging;

/// <summary>
/// Where the native libraries the imaging core calls through [LibraryImport] are found: the
/// short names of the imports (turbojpeg, heif, jxl, lcms2) mapped to their sonames, looked for
/// next to the executable, then in /opt/lib (a Lambda layer), then where the dynamic loader
/// looks (LD_LIBRARY_PATH, which also resolves each library's own NEEDED entries). Nothing is
/// loaded before the first call into a library, so an image of another format never pays for
/// loading libheif, libjxl or lcms2.
/// </summary>
internal static class NativeLibraries
{
    private static readonly Dictionary<string, string> Sonames = new(StringComparer.Ordinal)
    {
        ["turbojpeg"] = "libturbojpeg.so.0",
        ["heif"] = "libheif.so.1",
        ["jxl"] = "libjxl.so.0.7",
        ["lcms2"] = "liblcms2.so.2",
    };

    private static int _registered;

    /// <summary>Installs the resolver for the imaging assembly (once; .NET allows one per assembly).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
    }

    /// <summary>The handle of the library <paramref name="name"/> (a short name), or zero when it cannot be loaded.</summary>
    public static IntPtr Load(string name)
    {
        if (!Sonames.TryGetValue(name, out var soname))
            return IntPtr.Zero;
        // NativeLibrary caches loaded libraries, so repeated loads return the same handle.
        foreach (var directory in OpenCvRuntime.SearchDirectories)
        {
            var candidate = Path.Combine(directory, soname);
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                return handle;
        }
        return NativeLibrary.TryLoad(soname, out var system) ? system : IntPtr.Zero;
    }

    /// <summary>Whether the library <paramref name="name"/> can be loaded in this process.</summary>
    public static bool IsAvailable(string name) => Load(name) != IntPtr.Zero;

    // .NET resolves each library once per assembly and caches the handle, so this is its first
    // load. Other imports of the assembly (libc's) take the default probing, outside the hook,
    // which itself calls libc.
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        Sonames.ContainsKey(name) ? OpenCvRuntime.AroundLoad(() => Load(name)) : IntPtr.Zero;
}
