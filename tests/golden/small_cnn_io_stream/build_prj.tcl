# Vitis HLS build script written by fpga-export 0.1.0 for 'small_cnn'.
# Run:  vitis-run --mode hls --tcl build_prj.tcl      (Vitis 2023.2 and later)
#   or: vitis_hls -f build_prj.tcl
# Steps come from build_opt.tcl beside this script (written by Firmware.build()), else the
# defaults below; `vitis_hls -f build_prj.tcl -tclargs csim=0 synth=1` overrides them.
# Paths are relative to this script's folder, wherever the tool was started.
set root [file normalize [file dirname [info script]]]
cd $root
array set opt {csim 1 synth 1 cosim 0 export 0 vsynth 0}
if {[file exists [file join $root build_opt.tcl]]} {
    source [file join $root build_opt.tcl]
}
if {[info exists argv]} {
    foreach arg $argv {
        if {[regexp {^(csim|synth|cosim|export|vsynth)=([01])$} $arg -> key value]} {
            set opt($key) $value
        }
    }
}

# Runs one step; a failing step prints an ERROR line and ends the run with exit code 1.
proc step {title body} {
    puts "fpga-export: $title"
    if {[catch {uplevel 1 $body} message]} {
        puts "ERROR: fpga-export: $title failed: $message"
        exit 1
    }
}

set cflags "-std=c++14 -I$root/firmware"
step "project setup" {
    open_project -reset small_cnn_prj
    set_top small_cnn
    add_files $root/firmware/small_cnn.cpp -cflags $cflags
    add_files -tb $root/small_cnn_test.cpp -cflags $cflags
    add_files -tb $root/tb_data
    open_solution -reset "solution1" -flow_target vivado
    set_part xcvu13p-flga2577-2-e
    create_clock -period 5.0 -name default
}
if {$opt(csim)} {
    step "C simulation" { csim_design }
}
if {$opt(synth)} {
    step "C synthesis" { csynth_design }
}
if {$opt(cosim)} {
    step "C/RTL co-simulation" { cosim_design -trace_level all }
}
if {$opt(vsynth)} {
    # Vivado synthesis of the RTL for post-synthesis utilization and timing (UG1399 export_design -flow syn)
    step "Vivado synthesis" { export_design -flow syn -rtl verilog -format ip_catalog }
} elseif {$opt(export)} {
    step "IP export" { export_design -format ip_catalog }
}
puts "fpga-export: finished"
exit
