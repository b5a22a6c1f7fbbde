using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using OpenCvSharp;

namespace Pipeline.Imaging;

/// <summary>
/// Prepares the process for OpenCV before the native library is first loaded: where to find
/// libOpenCvSharpExtern.so (a Native AOT binary does not look next to itself, and a Lambda
/// layer lands in /opt/lib), and OpenCV's own pixel limit, which OpenCV reads from the
/// native environment once, when the library loads.
/// </summary>
public static partial class OpenCvRuntime
{
    private const string LibraryName = "OpenCvSharpExtern";
    private const string PixelLimitVariable = "OPENCV_IO_MAX_IMAGE_PIXELS";
    private static readonly Lock Gate = new();
    private static bool _initialized;

    /// <summary>Folders searched for the native library before the default probing, in order.</summary>
    public static IReadOnlyList<string> SearchDirectories { get; } = [AppContext.BaseDirectory, "/opt/lib"];

    /// <summary>
    /// Installs the library resolver and, unless the environment already sets it, sets
    /// OPENCV_IO_MAX_IMAGE_PIXELS to <see cref="ImagingLimits.MaxPixels"/> natively.
    /// Safe to call more than once; must run before any other OpenCV call.
    /// </summary>
    public static void Initialize(ImagingLimits limits)
    {
        lock (Gate)
        {
            if (_initialized)
                return;
            NativeLibrary.SetDllImportResolver(typeof(Cv2).Assembly, Resolve);
            if (Environment.GetEnvironmentVariable(PixelLimitVariable) is null)
            {
                var value = limits.MaxPixels.ToString(CultureInfo.InvariantCulture);
                // Environment.SetEnvironmentVariable only changes .NET's copy; OpenCV calls getenv.
                if (SetEnv(PixelLimitVariable, value, 1) != 0)
                    throw new InvalidOperationException($"setenv({PixelLimitVariable}) failed.");
                Environment.SetEnvironmentVariable(PixelLimitVariable, value);
            }
            _initialized = true;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName)
            return IntPtr.Zero;
        foreach (var directory in SearchDirectories)
        {
            var candidate = Path.Combine(directory, "lib" + LibraryName + ".so");
            if (File.Exists(candidate))
                return NativeLibrary.Load(candidate);
        }
        return IntPtr.Zero; // fall back to the default probing (runtimes/linux-x64/native in a JIT build)
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
