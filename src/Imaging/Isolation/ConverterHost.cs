using System.Diagnostics;
using Pipeline.Errors;

namespace Pipeline.Imaging.Isolation;

/// <summary>
/// The converter process's side: prepares to load the native libraries, says it is ready, then converts
/// one request at a time from stdin to stdout until stdin closes. Every native decoder and
/// encoder runs here, under the memory and CPU limits its parent sets for each image (see
/// <see cref="ConverterProcess"/>), so an image that costs more than it may stops this process
/// alone. Each result reports how far the process's resident memory rose while converting it.
/// </summary>
public static class ConverterHost
{
    /// <summary>The argument that starts a function's own executable as its converter process.</summary>
    public const string Argument = "--converter";

    /// <summary>Serves requests on the standard streams; returns the process's exit code.</summary>
    public static int Run()
    {
        using var input = Console.OpenStandardInput();
        using var output = Console.OpenStandardOutput();
        return Run(input, output);
    }

    /// <summary>Serves requests read from <paramref name="input"/>, answering on <paramref name="output"/>.</summary>
    public static int Run(Stream input, Stream output)
    {
        // The parent checks the limits and passes OpenCV's own pixel limit in the environment.
        var converter = new GrayscaleConverter(new ImagingLimits { MaxPixels = long.MaxValue });
        // A library loaded for an image is the process's, not the image's: its data goes beyond
        // the limit, and the image's peak is measured from after it.
        long baseline = 0;
        OpenCvRuntime.UseSearchDirectories(load =>
        {
            ProcessLimits.BeyondOwnDataLimit(load);
            baseline = PeakMemory.Reset();
        });
        output.WriteByte(ConverterProtocol.Ready);
        output.Flush();

        var buffer = Array.Empty<byte>();
        while (ConverterProtocol.TryReadRequest(input, ref buffer, out var request))
        {
            baseline = PeakMemory.Reset();
            var started = Stopwatch.GetTimestamp();
            try
            {
                var image = converter.Convert(request.Input.Span, request.Info, request.Output, request.Quality);
                ConverterProtocol.WriteResult(output, image, PeakMemory.Growth(baseline), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (PipelineException e)
            {
                ConverterProtocol.WriteError(output, e.Code, e.Message);
            }
            catch (Exception e) when (e is OutOfMemoryException || (e is OpenCvSharp.OpenCVException cv && cv.Status == OpenCvSharp.ErrorCode.StsNoMem))
            {
                // An allocation refused at the memory limit its parent set for this image.
                ConverterProtocol.WriteError(output, ErrorCode.TooExpensive, TooMuchMemory);
            }
        }
        return 0;
    }

    /// <summary>The message of an image stopped at its memory limit.</summary>
    public const string TooMuchMemory = "Converting the image needed more memory than an image of its size and format may; it was stopped.";

    /// <summary>This process's peak resident memory (VmHWM), which Linux lets it reset.</summary>
    private static class PeakMemory
    {
        /// <summary>Resets the peak to the resident memory now, and returns that.</summary>
        public static long Reset()
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return Bytes();
        }

        public static long Bytes() => ProcessLimits.StatusField(Environment.ProcessId, "VmHWM:");

        /// <summary>
        /// How far the peak rose above <paramref name="baseline"/>; never negative, though the
        /// kernel's per-thread counters can make a reading after a reset a few pages lower.
        /// </summary>
        public static long Growth(long baseline) => Math.Max(0, Bytes() - baseline);
    }
}
