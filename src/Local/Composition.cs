using Pipeline.Diagnostics;

namespace Pipeline.Local;

/// <summary>Builds a function as Lambda's init would; a failure is logged as Lambda logs an init error.</summary>
public static class Composition
{
    /// <summary>Runs <paramref name="compose"/>; false (logged) when it throws.</summary>
    public static bool TryCreate<T>(Func<T> compose, JsonLog log, out T function)
    {
        try
        {
            function = compose();
            return true;
        }
        catch (Exception e)
        {
            log.Write("error", "initialisation failed", ("errorType", e.GetType().Name), ("errorMessage", e.Message));
            function = default!;
            return false;
        }
    }
}
