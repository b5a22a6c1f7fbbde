using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using OpenCvSharp;

namespace Pipeline.Imaging;

/// <summary>
/// Prepares a process for OpenCV before the native library is first loaded: where to find
/// libOpenCvSharpExtern.so (a Native AOT binary does not look next to itself, and a Lambda
/// layer lands in /opt/lib), and OpenCV's own pixel limit, which OpenCV reads from the
/// native environment once, when the library loads. The services convert in a converter
/// process (<see cref="Isolation.ConverterHost"/>), whose parent sets that variable when it
/// starts it; a process converting by itself (the tests, the benchmark) sets it here.
/// </summary>
public static partial class OpenCvRuntime
{
    private const string LibraryName = "OpenCvSharpExtern";

    /// <summary>OpenCV's own limit on the pixels of an image it decodes, read from the environment when it loads.</summary>
    public const string PixelLimitVariable = "OPENCV_IO_MAX_IMAGE_PIXELS";

    private static readonly Lock Gate = new();
    private static bool _resolving;
    private static Action<Action> _aroundLoad = load => load();

    /// <summary>Folders searched for the native libraries before the default probing, in order.</summary>
    public static IReadOnlyList<string> SearchDirectories { get; } = [AppContext.BaseDirectory, "/opt/lib"];

    /// <summary>
    /// For a process that converts by itself: installs the library resolver and, unless the
    /// environment already sets it, sets OPENCV_IO_MAX_IMAGE_PIXELS to
    /// <see cref="ImagingLimits.MaxPixels"/> natively. Safe to call more than once; must run
    /// before any other OpenCV call.
    /// </summary>
    public static void Initialize(ImagingLimits limits)
    {
        lock (Gate)
        {
            InstallResolver();
            if (Environment.GetEnvironmentVariable(PixelLimitVariable) is null)
            {
                var value = limits.MaxPixels.ToString(CultureInfo.InvariantCulture);
                // Environment.SetEnvironmentVariable only changes .NET's copy; OpenCV calls getenv.
                if (SetEnv(PixelLimitVariable, value, 1) != 0)
                    throw new InvalidOperationException($"setenv({PixelLimitVariable}) failed.");
                Environment.SetEnvironmentVariable(PixelLimitVariable, value);
            }
        }
    }

    /// <summary>
    /// For a converter process: installs the resolver. OpenCV (114 MB) is loaded when an image
    /// first needs it, so a JPEG that keeps its luma needs only libturbojpeg; that load, and the
    /// first load of every other native library the imaging core calls (<see cref="NativeLibraries"/>),
    /// runs inside <paramref name="aroundLoad"/>, which keeps it out of the image's memory limit
    /// and its measured peak (mapping OpenCV adds about 100 MB of data, more than a small image's budget).
    /// </summary>
    public static void UseSearchDirectories(Action<Action> aroundLoad)
    {
        lock (Gate)
        {
            _aroundLoad = aroundLoad;
            InstallResolver();
        }
    }

    private static void InstallResolver()
    {
        if (_resolving)
            return;
        NativeLibrary.SetDllImportResolver(typeof(Cv2).Assembly, Resolve);
        _resolving = true;
    }

    /// <summary>Runs the first load of a native library as <see cref="UseSearchDirectories"/> was told to.</summary>
    internal static IntPtr AroundLoad(Func<IntPtr> load)
    {
        var handle = IntPtr.Zero;
        _aroundLoad(() => handle = load());
        return handle;
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName)
            return IntPtr.Zero;
        return AroundLoad(() => Load(assembly, searchPath));
    }

    private static IntPtr Load(Assembly assembly, DllImportSearchPath? searchPath)
    {
        foreach (var directory in SearchDirectories)
        {
            var candidate = Path.Combine(directory, "lib" + LibraryName + ".so");
            if (File.Exists(candidate))
                return NativeLibrary.Load(candidate);
        }
        // The default probing (runtimes/linux-x64/native in a JIT build); it does not call this resolver again.
        return NativeLibrary.TryLoad(LibraryName, assembly, searchPath, out var handle) ? handle : IntPtr.Zero;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
