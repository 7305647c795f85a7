using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrleansReco.ServiceDefaults;

/// <summary>Options bound from a configuration section and validated at start, the same way in every host.</summary>
public static class OptionsValidation
{
    /// <summary>
    /// Binds <paramref name="section"/> (defaults when it is absent), lets <paramref name="adjust"/> add to it, validates
    /// it with <typeparamref name="TValidator"/> and throws <see cref="OptionsValidationException"/> naming every bad key.
    /// For options a host needs while it is being built (providers, ports, keys).
    /// </summary>
    public static TOptions ReadValidated<TOptions, TValidator>(this IConfiguration configuration, string section, Action<TOptions>? adjust = null)
        where TOptions : class, new()
        where TValidator : IValidateOptions<TOptions>, new()
    {
        var options = configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
        adjust?.Invoke(options);
        var result = new TValidator().Validate(null, options);
        if (result.Failed)
            throw new OptionsValidationException(section, typeof(TOptions), result.Failures);
        return options;
    }

    /// <summary>Binds <paramref name="section"/> to <c>IOptions&lt;TOptions&gt;</c>, validated by <typeparamref name="TValidator"/> when the host starts.</summary>
    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services;
    }
}
