//! The `DELIVERY_METRICS` binding (a Workers Analytics Engine dataset): writes the delivery data points when one is bound; without it nothing is written and nothing fails.

use crate::metrics::DataPoint;
use ::worker::{AnalyticsEngineDataPointBuilder, AnalyticsEngineDataset, Env};

/// The Analytics Engine dataset binding.
pub const METRICS_BINDING: &str = "DELIVERY_METRICS";

/// The bound dataset.
#[derive(Clone)]
pub struct MetricsDataset(AnalyticsEngineDataset);

impl MetricsDataset {
    pub fn from_env(env: &Env) -> Option<MetricsDataset> {
        env.analytics_engine(METRICS_BINDING)
            .ok()
            .map(MetricsDataset)
    }

    /// Writes each point (`writeDataPoint` only queues it; a failure is not the delivery's).
    pub fn write(&self, points: &[DataPoint]) {
        for point in points {
            let written = AnalyticsEngineDataPointBuilder::new()
                .indexes([point.index])
                .blobs(point.blobs.iter().map(String::as_str))
                .doubles(point.doubles.iter().copied())
                .write_to(&self.0);
            if written.is_err() {
                return;
            }
        }
    }
}
