using System.Text.Json.Serialization;
namespace OrleansReco.LocalCluster;

/// <summary>What one fault scenario measured. Field names are those of the report JSON.</summary>
public sealed record ScenarioResult
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("events_sent")] public int EventsSent { get; init; }
    [JsonPropertyName("events_acked")] public int EventsAcked { get; init; }
    /// <summary>Events acknowledged (202, or a 503 naming their user persisted): each must be stored exactly once.</summary>
    [JsonPropertyName("ok")] public int Ok { get; init; }
    /// <summary>Events every send of which got a definite refusal (4xx/5xx, connection refused): at most once.</summary>
    [JsonPropertyName("failed")] public int Failed { get; init; }
    /// <summary>Events not acknowledged, some send of which got no answer (timeout, reset): stored once or not at all.</summary>
    [JsonPropertyName("indeterminate")] public int Indeterminate { get; init; }
    [JsonPropertyName("indeterminate_found")] public int IndeterminateFound { get; init; }
    /// <summary>Failed events stored anyway (a 503's failed grain call may have come after its write; not a violation when stored once).</summary>
    [JsonPropertyName("failed_found")] public int FailedFound { get; init; }
    /// <summary>Acknowledged events the scenario may lose (acknowledged within its loss window before a fault; 0: none may be lost).</summary>
    [JsonPropertyName("loss_allowed")] public int LossAllowed { get; init; }
    /// <summary>Acknowledged events found in their user's history (exactly once or more).</summary>
    [JsonPropertyName("events_found")] public int EventsFound { get; init; }
    /// <summary>Events found more than once in their user's history.</summary>
    [JsonPropertyName("events_duplicated")] public int EventsDuplicated { get; init; }
    /// <summary>Acknowledged events not found (lost).</summary>
    [JsonPropertyName("events_missing")] public int EventsMissing { get; init; }
    /// <summary>Events not acknowledged (their request failed or timed out) that were persisted anyway.</summary>
    [JsonPropertyName("unacked_found")] public int UnackedFound { get; init; }
    /// <summary>First failed query sent to last failed query answered, seconds (0: no query failed).</summary>
    [JsonPropertyName("query_error_window_s")] public double QueryErrorWindowS { get; init; }
    /// <summary>Fault to the first successful request sent after the last failed one (any kind), seconds.</summary>
    [JsonPropertyName("recovery_s")] public double RecoveryS { get; init; }
    [JsonPropertyName("query_errors")] public int QueryErrors { get; init; }
    [JsonPropertyName("event_batch_errors")] public int EventBatchErrors { get; init; }
    /// <summary>Event batch sends that got no answer (timeout, connection reset): their events' outcome was unknown at that send.</summary>
    [JsonPropertyName("event_sends_unanswered")] public int EventSendsUnanswered { get; init; }
    [JsonPropertyName("queries")] public LatencySummary? Queries { get; init; }
    [JsonPropertyName("event_batches")] public LatencySummary? EventBatches { get; init; }
    /// <summary>Probe users whose recommendations after the fault equal those before it.</summary>
    [JsonPropertyName("recommendations_equal")] public string RecommendationsEqual { get; init; } = "";
    [JsonPropertyName("model_version")] public string ModelVersion { get; init; } = "";
    [JsonPropertyName("model_check")] public string ModelCheck { get; init; } = "";
    /// <summary>When each fault happened, seconds since the load began (kill, restart, join, leave…).</summary>
    [JsonPropertyName("faults_at_s")] public double[] FaultsAtS { get; init; } = [];
    [JsonPropertyName("duration_s")] public double DurationS { get; init; }
    [JsonPropertyName("notes")] public string Notes { get; init; } = "";
    [JsonPropertyName("passed")] public bool Passed { get; init; }
}
