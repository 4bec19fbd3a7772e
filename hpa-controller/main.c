/* main.c: wiring only. The algorithm: hpa.c, replica_calc.c, behavior.c. */
#include "ckube/controller.h"
#include "ckube/flags.h"

#include "hpa.h"

static const struct flag hpa_flags[] = {
	{ "horizontal-pod-autoscaler-sync-period", FLAG_DURATION,
	  &hpa_cfg.sync_ms, "15s", "HPA",
	  "how often every HorizontalPodAutoscaler is synced" },
	{ "horizontal-pod-autoscaler-tolerance", FLAG_STRING,
	  &hpa_cfg.tolerance_text, "0.1", "HPA",
	  "minimum change (from 1.0) in the usage ratio to scale" },
	{ "horizontal-pod-autoscaler-downscale-stabilization", FLAG_DURATION,
	  &hpa_cfg.downscale_window_ms, "5m", "HPA",
	  "scale-down stabilization window (spec.behavior may set its own)" },
	{ "horizontal-pod-autoscaler-cpu-initialization-period",
	  FLAG_DURATION, &hpa_cfg.cpu_init_ms, "5m", "HPA",
	  "after a pod starts, cpu samples of unready pods are skipped" },
	{ "horizontal-pod-autoscaler-initial-readiness-delay", FLAG_DURATION,
	  &hpa_cfg.readiness_delay_ms, "30s", "HPA",
	  "after a pod starts, readiness changes count as its first" },
};

static const struct watch_spec hpa_watches[] = {
	{ .resource = "horizontalpodautoscalers.autoscaling",
	  .role = WATCH_PRIMARY },
};

static const struct controller_def hpa_def = {
	.name		= "hpa-controller",
	.summary	= "HorizontalPodAutoscalers acting through /scale",
	.watches	= hpa_watches,
	.nwatches	= ARRAY_SIZE(hpa_watches),
	.flags		= hpa_flags,
	.nflags		= ARRAY_SIZE(hpa_flags),
	.init		= hpa_init,
	.fini		= hpa_fini,
	.reconcile	= hpa_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&hpa_def, argc, argv);
}
