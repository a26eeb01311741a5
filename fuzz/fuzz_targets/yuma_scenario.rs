//! Yuma scenarios from arbitrary JSON: parsing and running never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use taonet_yuma_sim::Scenario;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(scenario) = Scenario::from_json_str(text)
    {
        let _ = scenario.run_with(|_| {});
    }
});
