package dev.qwenvl.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DevicesTest {

    @Test
    void parsesAllDefaultListsGroupsAndCpu() {
        assertEquals(Devices.ALL, Devices.parse("all"));
        assertEquals(Devices.ALL, Devices.parse(" ALL "));
        assertEquals(Devices.DEFAULT, Devices.parse("default"));
        assertEquals(List.of(DeviceGroup.of("0"), DeviceGroup.of("1"), DeviceGroup.of("2")), Devices.parse("0, 1,2").groups());
        assertEquals(List.of(DeviceGroup.of("0", "1"), DeviceGroup.of("2", "3")), Devices.parse("0+1,2+3").groups());
        assertEquals(List.of(DeviceGroup.CPU, DeviceGroup.CPU), Devices.parse("cpu,cpu").groups());
        assertEquals("0+1,2+3", Devices.parse("0+1,2+3").toString());
        assertEquals("cpu,cpu", Devices.parse("cpu,CPU").toString());
        assertEquals("2,3", DeviceGroup.of("2", "3").visibleDevices());
    }

    @Test
    void aMalformedListSaysWhichPartIsWrongAndTheValidForms() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.parse("0,,1"));
        assertTrue(e.getMessage().contains("devices '0,,1' has an empty device"), e.getMessage());
        assertTrue(e.getMessage().contains("0+1,2+3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Devices.parse("0+"));
    }

    @Test
    void allResolvesToOneEnginePerDeviceOrPerTensorParallelGroup() {
        List<String> eight = List.of("0", "1", "2", "3", "4", "5", "6", "7");
        assertEquals(8, Devices.ALL.resolve(eight, 1).size());
        assertEquals(List.of(DeviceGroup.of("0", "1", "2", "3"), DeviceGroup.of("4", "5", "6", "7")),
                Devices.ALL.resolve(eight, 4));
        assertEquals(List.of(DeviceGroup.of("3", "5")), Devices.ALL.resolve(List.of("3", "5", "6"), 2),
                "visible ids are kept as the driver names them; a device left over is not used");
        assertEquals(List.of(DeviceGroup.CPU), Devices.ALL.resolve(List.of(), 1), "no accelerator: one CPU engine");
        assertThrows(IllegalArgumentException.class, () -> Devices.ALL.resolve(List.of("0"), 2));
    }

    @Test
    void aListedGroupMustHoldTensorParallelSizeDevices() {
        assertEquals(2, Devices.parse("0+1,2+3").resolve(List.of(), 2).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Devices.parse("0,1").resolve(List.of(), 2));
        assertTrue(e.getMessage().contains("device group 0 has 1 device(s) but tensor_parallel_size is 2"), e.getMessage());
        assertEquals(List.of(DeviceGroup.CPU), Devices.DEFAULT.resolve(List.of("0", "1"), 2));
    }
}
