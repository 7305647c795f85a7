using Microsoft.Extensions.Options;

namespace OrleansReco.Grains.Model;

/// <summary>Which model bundle a silo loads at start. Bound from section <c>Reco:Model</c>.</summary>
public sealed class ModelOptions
{
    public const string Section = "Reco:Model";

    /// <summary>Path of the model bundle (<c>reco train</c> writes one). Empty: no model, serving calls fail until one is published.</summary>
    public string? Path { get; set; }
}

/// <summary>Rejects a bundle path that does not exist, naming the key that fixes it.</summary>
public sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options) =>
        string.IsNullOrWhiteSpace(options.Path) || File.Exists(options.Path)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Reco:Model:Path (env Reco__Model__Path) names '{options.Path}', which does not exist.");
}
