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
        var memory = new PeakMemory();
        OpenCvRuntime.UseSearchDirectories(load =>
        {
            ProcessLimits.BeyondOwnDataLimit(load);
            memory.Rebase();
        });
        output.WriteByte(ConverterProtocol.Ready);
        output.Flush();

        var buffer = Array.Empty<byte>();
        while (ConverterProtocol.TryReadRequest(input, ref buffer, out var request))
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var image = converter.Convert(request.Input.Span, request.Info, request.Output, request.Quality);
                double milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var (state, peak) = memory.Next();
                ConverterProtocol.WriteResult(output, state, image, peak, milliseconds);
            }
            catch (PipelineException e)
            {
                ConverterProtocol.WriteError(output, memory.Next().State, e.Code, e.Message);
            }
            catch (Exception e) when (e is OutOfMemoryException || (e is OpenCvSharp.OpenCVException cv && cv.Status == OpenCvSharp.ErrorCode.StsNoMem))
            {
                // An allocation refused at the memory limit its parent set for this image.
                ConverterProtocol.WriteError(output, memory.Next().State, ErrorCode.TooExpensive, TooMuchMemory);
            }
        }
        return 0;
    }

    /// <summary>The message of an image stopped at its memory limit.</summary>
    public const string TooMuchMemory = "Converting the image needed more memory than an image of its size and format may; it was stopped.";

    /// <summary>
    /// This process's peak resident memory (VmHWM), which Linux lets it reset: reset after each
    /// answer, so the next peak counts from where the process waits for its next request; one
    /// read of /proc/self/status a request gives the peak and the state its parent is told.
    /// </summary>
    private sealed class PeakMemory
    {
        private static readonly string[] Fields = ["VmHWM:", "VmRSS:", "VmData:"];
        private long _resident;

        public PeakMemory() => Next();

        /// <summary>This process's state, and how far its resident memory rose above where it stood at the last reset; then resets the peak.</summary>
        public (ConverterState State, long PeakBytes) Next()
        {
            var values = ProcessLimits.StatusFields(Environment.ProcessId, Fields);
            long peak = Math.Max(0, values[0] - _resident); // the kernel's per-thread counters can read a few pages low
            _resident = values[1];
            File.WriteAllText("/proc/self/clear_refs", "5");
            return (new ConverterState(values[2], ProcessLimits.OwnCpuSeconds()), peak);
        }

        /// <summary>Starts the peak again from the resident memory now: after a library's load, which is the process's, not the image's.</summary>
        public void Rebase()
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            _resident = ProcessLimits.StatusField(Environment.ProcessId, "VmRSS:");
        }
    }
}
