namespace Pipeline.Imaging.Fuzz;

/// <summary>What <see cref="DifferentialOracle.Check"/> made of an input that violates nothing.</summary>
public enum Verdict
{
    /// <summary>The inspection refused it, or it is over the pixel limit: nothing decodes it.</summary>
    Refused,

    /// <summary>The inspection accepted it and the decoder refused it; its conversions failed with pipeline errors within their budgets.</summary>
    DecoderRefused,

    /// <summary>The inspection accepted it, the decoder read the inspected geometry, and its conversions stayed within their budgets.</summary>
    Agreed,
}
