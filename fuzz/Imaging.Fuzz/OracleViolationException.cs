namespace Pipeline.Imaging.Fuzz;

/// <summary>An input on which the inspection, the decoder and the conversion's budget disagree (see <see cref="DifferentialOracle"/>).</summary>
public sealed class OracleViolationException(string message) : Exception(message);
